//! The figures' and verdicts' observers on a thread of their own (issue 15): the
//! engine's thread writes what it emits into chunks of owned messages
//! ([`crate::engine::WireEvent`] for events), and the observers' thread gives each
//! message to the observers in the order the engine emitted them. The observers see
//! exactly the calls they would see on the engine's thread, so what they find is the
//! same, byte for byte; only their work moves off the engine's path.
//!
//! A retired unit's instances and bindings are copied into the chunk: the engine
//! drops them as soon as `retire` returns. The observers' thread keeps them in a
//! window of its own until the observers have folded them.

use crate::engine::{Held, Instance, Replay, Retired, Sink, Unit, UnitEvent, WireEvent};
use crate::model::{Model, WorkflowId};
use crate::plan::UnitKey;
use crate::window::Window;
use std::sync::mpsc;

/// Messages per chunk: a chunk of events is about 230 KiB, which stays in the
/// engine's core's cache until it is sent.
const CHUNK: usize = 4096;

/// Chunks sent and not yet replayed, at most: the engine waits beyond them.
const DEPTH: usize = 4;

/// One call of a [`Sink`], owned; as small as an event's.
enum Msg {
    Event(WireEvent),
    Held(Held),
    /// The chunk's unit event of this index.
    Unit(u32),
    /// Unit `unit` retired: ids `first..end`, whose instances are the chunk's from
    /// `instances`, with the chunk's unit `ended` and bindings `bindings`.
    Retire {
        unit: u32,
        first: u32,
        end: u32,
        instances: u32,
        ended: u32,
        bindings: (u32, u32),
    },
}

/// A [`UnitEvent`] whose workflows are a range of the chunk's.
struct OwnedUnit {
    time: crate::calendar::Instant,
    unit: u32,
    key: UnitKey,
    origin: crate::engine::Origin,
    backfill: Option<u32>,
    set: u32,
    workflows: Option<(u32, u32)>,
    started: bool,
    failed: bool,
    reopened: bool,
}

/// Messages, and what they point to.
#[derive(Default)]
struct Chunk {
    msgs: Vec<Msg>,
    instances: Vec<Instance>,
    units: Vec<Unit>,
    bindings: Vec<(u32, u32)>,
    workflows: Vec<WorkflowId>,
    unit_events: Vec<OwnedUnit>,
}

impl Chunk {
    fn new() -> Self {
        Chunk {
            msgs: Vec::with_capacity(CHUNK),
            ..Chunk::default()
        }
    }

    fn clear(&mut self) {
        self.msgs.clear();
        self.instances.clear();
        self.units.clear();
        self.bindings.clear();
        self.workflows.clear();
        self.unit_events.clear();
    }
}

/// The engine's side: a [`Sink`] that writes each call into the current chunk and
/// sends it when full.
pub struct Pipe {
    chunk: Chunk,
    full: mpsc::SyncSender<Chunk>,
    /// Replayed chunks come back to be filled again.
    empty: mpsc::Receiver<Chunk>,
}

impl Pipe {
    #[inline]
    fn push(&mut self, m: Msg) {
        self.chunk.msgs.push(m);
        if self.chunk.msgs.len() >= CHUNK {
            self.send();
        }
    }

    #[inline(never)]
    fn send(&mut self) {
        let next = self.empty.try_recv().unwrap_or_else(|_| Chunk::new());
        let chunk = std::mem::replace(&mut self.chunk, next);
        // An error: the observers' thread panicked; its join says so.
        let _ = self.full.send(chunk);
    }
}

impl Sink for Pipe {
    #[inline]
    fn event(&mut self, e: &crate::engine::Event<'_>) {
        self.push(Msg::Event(WireEvent::of(e)));
    }

    fn held(&mut self, h: &Held) {
        self.push(Msg::Held(*h));
    }

    fn unit(&mut self, e: &UnitEvent) {
        let workflows = e.workflows.map(|ws| {
            let from = self.chunk.workflows.len() as u32;
            self.chunk.workflows.extend_from_slice(ws);
            (from, self.chunk.workflows.len() as u32)
        });
        let k = self.chunk.unit_events.len() as u32;
        self.chunk.unit_events.push(OwnedUnit {
            time: e.time,
            unit: e.unit,
            key: e.key,
            origin: e.origin,
            backfill: e.backfill,
            set: e.set,
            workflows,
            started: e.started,
            failed: e.failed,
            reopened: e.reopened,
        });
        self.push(Msg::Unit(k));
    }

    fn retire(&mut self, r: &Retired<'_>) {
        let c = &mut self.chunk;
        let instances = c.instances.len() as u32;
        c.instances.extend(r.iter().map(|(_, inst)| inst.clone()));
        let ended = c.units.len() as u32;
        c.units.push(r.ended.clone());
        let from = c.bindings.len() as u32;
        c.bindings.extend_from_slice(r.bindings);
        let bindings = (from, c.bindings.len() as u32);
        self.push(Msg::Retire {
            unit: r.unit,
            first: r.first,
            end: r.end,
            instances,
            ended,
            bindings,
        });
    }
}

/// The observers' side: gives each message of a chunk to `sink`.
fn replay(chunk: &Chunk, replay: &Replay, kept: &mut Window<Instance>, sink: &mut impl Sink) {
    for m in &chunk.msgs {
        match m {
            Msg::Event(w) => replay.event(w, sink),
            Msg::Held(h) => sink.held(h),
            &Msg::Unit(k) => {
                let u = &chunk.unit_events[k as usize];
                sink.unit(&UnitEvent {
                    time: u.time,
                    unit: u.unit,
                    key: u.key,
                    origin: u.origin,
                    backfill: u.backfill,
                    set: u.set,
                    workflows: u
                        .workflows
                        .map(|(a, b)| &chunk.workflows[a as usize..b as usize]),
                    started: u.started,
                    failed: u.failed,
                    reopened: u.reopened,
                });
            }
            &Msg::Retire {
                unit,
                first,
                end,
                instances,
                ended,
                bindings: (a, b),
            } => {
                let n = (end - first) as usize;
                let copies = &chunk.instances[instances as usize..instances as usize + n];
                if let Some(fill) = copies.first() {
                    kept.ensure(end as usize - 1, fill.clone());
                }
                for (id, inst) in (first as usize..).zip(copies) {
                    kept[id] = inst.clone();
                }
                sink.retire(&Retired {
                    unit,
                    first,
                    end,
                    instances: kept,
                    ended: &chunk.units[ended as usize],
                    bindings: &chunk.bindings[a as usize..b as usize],
                });
                kept.retire(first as usize, end as usize);
            }
        }
    }
}

/// Spins (with no system call) before it sleeps: the observers keep pace with the
/// engine, so the next chunk is usually a fraction of a millisecond away, and
/// waking a sleeping thread costs the engine's thread a system call per chunk.
const SPINS: u32 = 1 << 14;

/// The next chunk to replay; None when the engine's side is done.
fn next(chunks: &mpsc::Receiver<Chunk>) -> Option<Chunk> {
    for _ in 0..SPINS {
        match chunks.try_recv() {
            Ok(c) => return Some(c),
            Err(mpsc::TryRecvError::Disconnected) => return None,
            Err(mpsc::TryRecvError::Empty) => std::hint::spin_loop(),
        }
    }
    chunks.recv().ok()
}

/// Runs `engine_side` with a [`Sink`] whose calls reach `observers` on a thread of
/// their own, in the same order; returns what `engine_side` returned once the
/// observers have been given every call.
pub fn piped<S, R>(model: &Model, observers: &mut S, engine_side: impl FnOnce(&mut Pipe) -> R) -> R
where
    S: Sink + Send,
{
    std::thread::scope(|scope| {
        let (full, to_replay) = mpsc::sync_channel::<Chunk>(DEPTH);
        let (give_back, empty) = mpsc::channel::<Chunk>();
        let worker = scope.spawn(move || {
            let replayer = Replay::new(model);
            let mut kept = Window::new();
            while let Some(mut chunk) = next(&to_replay) {
                replay(&chunk, &replayer, &mut kept, observers);
                chunk.clear();
                // An error: the engine's side is done and wants no more chunks.
                let _ = give_back.send(chunk);
            }
        });
        let mut pipe = Pipe {
            chunk: Chunk::new(),
            full,
            empty,
        };
        let out = engine_side(&mut pipe);
        if !pipe.chunk.msgs.is_empty() {
            pipe.send();
        }
        drop(pipe);
        if let Err(panic) = worker.join() {
            std::panic::resume_unwind(panic);
        }
        out
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_message_is_no_larger_than_an_event() {
        assert_eq!(
            std::mem::size_of::<super::Msg>(),
            std::mem::size_of::<crate::engine::WireEvent>()
        );
    }
}
