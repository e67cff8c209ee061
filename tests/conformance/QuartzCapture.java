// Captures fire times from Quartz 2.3.2's CronExpression (the engine behind
// DolphinScheduler's live triggers) for every expression × zone × start in this folder.
// Output: one JSON object per line. Run by capture.sh; the output is committed.
import java.io.*;
import java.nio.file.*;
import java.time.*;
import java.time.format.DateTimeFormatter;
import java.util.*;
import org.quartz.CronExpression;

public class QuartzCapture {
    static final int FIRES = 30;
    static final DateTimeFormatter RFC = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX");

    static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    public static void main(String[] args) throws Exception {
        Path dir = Paths.get(args[0]);
        List<String> exprs = Files.readAllLines(dir.resolve("quartz-expressions.txt"));
        List<String> zones = Files.readAllLines(dir.resolve("zones.txt"));
        PrintStream out = new PrintStream(new FileOutputStream(args[1]), false, "UTF-8");
        for (String expr : exprs) {
            if (expr.isEmpty()) continue;
            String error = null;
            try {
                new CronExpression(expr);
            } catch (Exception e) {
                error = e.getMessage();
            }
            if (error != null) {
                out.println("{\"expr\":" + json(expr) + ",\"error\":" + json(error) + "}");
                continue;
            }
            for (String line : zones) {
                if (line.startsWith("#") || line.isEmpty()) continue;
                String[] parts = line.split(" ");
                ZoneId zone = ZoneId.of(parts[0]);
                for (int i = 1; i < parts.length; i++) {
                    CronExpression cron = new CronExpression(expr);
                    cron.setTimeZone(TimeZone.getTimeZone(zone));
                    ZonedDateTime start = LocalDateTime.parse(parts[i]).atZone(zone);
                    Date t = Date.from(start.toInstant());
                    StringBuilder fires = new StringBuilder();
                    for (int n = 0; n < FIRES; n++) {
                        t = cron.getNextValidTimeAfter(t);
                        if (t == null) break;
                        if (n > 0) fires.append(',');
                        fires.append(json(RFC.format(t.toInstant().atZone(zone))));
                    }
                    out.println("{\"expr\":" + json(expr) + ",\"tz\":" + json(parts[0]) + ",\"after\":"
                        + json(RFC.format(start)) + ",\"fires\":[" + fires + "]}");
                }
            }
        }
        out.close();
    }
}
