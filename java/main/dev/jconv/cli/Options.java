package dev.jconv.cli;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code --name value} options and {@code --flag} switches of one command. Unknown, repeated and
 * missing options are errors that name the option; every option given must be read by the command
 * (checked by {@link #requireAllUsed()}), so a misspelt option never passes silently.
 */
final class Options {
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Set<String> used = new HashSet<>();

    Options(String[] args, int from, Set<String> switches) {
        for (int i = from; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) throw new CliException("unexpected argument '" + arg + "'");
            String name = arg.substring(2);
            String value;
            if (switches.contains(name)) {
                value = "true";
            } else {
                if (i + 1 >= args.length) throw new CliException("option --" + name + " needs a value");
                value = args[++i];
            }
            if (values.put(name, value) != null) throw new CliException("option --" + name + " is given twice");
        }
    }

    boolean has(String name) {
        used.add(name);
        return values.containsKey(name);
    }

    String get(String name, String fallback) {
        used.add(name);
        return values.getOrDefault(name, fallback);
    }

    String required(String name) {
        String v = get(name, null);
        if (v == null) throw new CliException("option --" + name + " is required");
        return v;
    }

    long getLong(String name, long fallback) {
        String v = get(name, null);
        return v == null ? fallback : parseLong(name, v);
    }

    double getDouble(String name, double fallback) {
        String v = get(name, null);
        if (v == null) return fallback;
        try {
            double d = Double.parseDouble(v);
            if (!Double.isFinite(d)) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new CliException("option --" + name + ": '" + v + "' is not a number");
        }
    }

    boolean getBoolean(String name, boolean fallback) {
        String v = get(name, null);
        if (v == null) return fallback;
        if (v.equals("true")) return true;
        if (v.equals("false")) return false;
        throw new CliException("option --" + name + ": '" + v + "' is not true or false");
    }

    /** A comma-separated list of integers: "2" or "1,2,2". */
    long[] getList(String name, long[] fallback) {
        String v = get(name, null);
        if (v == null) return fallback;
        String[] parts = v.split(",", -1);
        long[] out = new long[parts.length];
        for (int i = 0; i < parts.length; i++) out[i] = parseLong(name, parts[i].trim());
        return out;
    }

    void requireAllUsed() {
        for (String name : values.keySet()) {
            if (!used.contains(name)) throw new CliException("unknown option --" + name);
        }
    }

    private static long parseLong(String name, String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new CliException("option --" + name + ": '" + v + "' is not an integer");
        }
    }
}
