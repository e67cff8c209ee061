//! Observers: what consumes the engine's events. The trace writer streams them to
//! disk; metrics count resource use; the summary reads the engine's final state.

pub mod metrics;
pub mod summary;
pub mod trace;

pub use metrics::Metrics;
pub use summary::Summary;
pub use trace::TraceWriter;
