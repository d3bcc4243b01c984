package dev.jconv.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** What machine a benchmark ran on: OS, architecture, processors and CPU model. */
final class Machine {
    private Machine() {}

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable: the model stays unknown
        }
        return "unknown";
    }

    static String description() {
        return String.format(Locale.ROOT, "%s %s, %d processors, %s", System.getProperty("os.name"),
                System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors(), cpuModel());
    }

    static String json() {
        return String.format(Locale.ROOT, "{\"os\": %s, \"arch\": %s, \"processors\": %d, \"cpu\": %s}",
                quote(System.getProperty("os.name")), quote(System.getProperty("os.arch")),
                Runtime.getRuntime().availableProcessors(), quote(cpuModel()));
    }

    /** A JSON string literal. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
