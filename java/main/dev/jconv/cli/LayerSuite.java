package dev.jconv.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The layer suite (layers.csv): real layers of well-known networks, shared by the C bench, the
 * CLI's {@code bench} and tests. Columns: name, op, N, IC, OC, in_spatial, kernel, stride, pad,
 * dilation, groups, outpad, source; spatial fields are 'D:H:W' lists, a single number meaning every
 * dim. Lines starting with '#' are comments; the first other line is the header.
 */
public final class LayerSuite {
    /** One row. Spatial arrays have one value per spatial dim. */
    public record Layer(String name, String op, long batch, long inChannels, long outChannels, long[] inSize, long[] kernel,
            long[] stride, long[] pad, long[] dilation, long groups, long[] outputPadding, String source) {
        public int rank() {
            return inSize.length;
        }

        public long[] inputShape() {
            return withLeading(batch, inChannels, inSize);
        }

        /** [OC, IC/groups, k...] for conv; [IC, OC/groups, k...] for convT. */
        public long[] weightShape() {
            return op.equals("convT") ? withLeading(inChannels, outChannels / groups, kernel)
                    : withLeading(outChannels, inChannels / groups, kernel);
        }

        private static long[] withLeading(long a, long b, long[] rest) {
            long[] s = new long[2 + rest.length];
            s[0] = a;
            s[1] = b;
            System.arraycopy(rest, 0, s, 2, rest.length);
            return s;
        }
    }

    private LayerSuite() {}

    /** The suite built into the jar. */
    public static List<Layer> builtIn() {
        InputStream in = LayerSuite.class.getResourceAsStream("layers.csv");
        if (in == null) throw new IllegalStateException("layers.csv is missing from the jar");
        try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            return parse(reader, "built-in layers.csv");
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the built-in layers.csv", e);
        }
    }

    public static List<Layer> read(Path path) {
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            return parse(reader, path.toString());
        } catch (IOException e) {
            throw new CliException(path + ": cannot read the layer suite (" + e.getMessage() + ")");
        }
    }

    static List<Layer> parse(Reader reader, String sourceName) throws IOException {
        BufferedReader lines = new BufferedReader(reader);
        List<Layer> layers = new ArrayList<>();
        boolean headerSeen = false;
        int lineNumber = 0;
        for (String line; (line = lines.readLine()) != null; ) {
            lineNumber++;
            if (line.isBlank() || line.startsWith("#")) continue;
            if (!headerSeen) {
                headerSeen = true;
                continue;
            }
            String[] f = line.split(",", -1);
            String where = sourceName + ":" + lineNumber + ": ";
            if (f.length < 12) throw new CliException(where + "expected 13 fields, got " + f.length);
            try {
                long[] inSize = list(f[5], 0, where + "in_spatial");
                int rank = inSize.length;
                layers.add(new Layer(f[0].trim(), f[1].trim(), Long.parseLong(f[2].trim()), Long.parseLong(f[3].trim()),
                        Long.parseLong(f[4].trim()), inSize, list(f[6], rank, where + "kernel"),
                        list(f[7], rank, where + "stride"), list(f[8], rank, where + "pad"),
                        list(f[9], rank, where + "dilation"), Long.parseLong(f[10].trim()),
                        list(f[11], rank, where + "outpad"), f.length > 12 ? f[12].trim() : ""));
            } catch (NumberFormatException e) {
                throw new CliException(where + "not a number: " + e.getMessage());
            }
        }
        return layers;
    }

    /** "8:56:56" into {8, 56, 56}; a single value repeated to rank (rank 0: as many as given). */
    private static long[] list(String text, int rank, String what) {
        long[] values = Arrays.stream(text.trim().split(":")).mapToLong(s -> Long.parseLong(s.trim())).toArray();
        if (rank == 0 || values.length == rank) return values;
        if (values.length == 1) {
            long[] out = new long[rank];
            Arrays.fill(out, values[0]);
            return out;
        }
        throw new CliException(what + " has " + values.length + " values, the layer has " + rank + " spatial dims");
    }
}
