package dev.jconv.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line, in process: exit codes, outputs, and one stderr line per bad input. */
class MainTest {
    @TempDir
    Path temp;

    private String out;
    private String err;

    private int run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        out = o.toString(StandardCharsets.UTF_8);
        err = e.toString(StandardCharsets.UTF_8);
        return status;
    }

    private String path(String name) {
        return temp.resolve(name).toString();
    }

    @BeforeEach
    void writeInputs() {
        // x = 1..5 as [1, 1, 5]; w = [1, 2] as [1, 1, 2]; b = [10]
        Npy.write(temp.resolve("x.npy"), new float[] {1, 2, 3, 4, 5}, new long[] {1, 1, 5});
        Npy.write(temp.resolve("w.npy"), new float[] {1, 2}, new long[] {1, 1, 2});
        Npy.write(temp.resolve("b.npy"), new float[] {10}, new long[] {1});
        Npy.write(temp.resolve("x2d.npy"), new float[9], new long[] {1, 1, 3, 3});
    }

    private String[] conv(String... extra) {
        List<String> a = new ArrayList<>(List.of("run", "conv", "--input", path("x.npy"), "--weight", path("w.npy"),
                "--output", path("y.npy")));
        a.addAll(Arrays.asList(extra));
        return a.toArray(String[]::new);
    }

    @Test
    void runConvWritesTheOutput() {
        assertEquals(0, run(conv("--bias", path("b.npy"), "--stride", "3")), err);
        Npy.Array y = Npy.read(temp.resolve("y.npy"));
        assertArrayEquals(new long[] {1, 1, 2}, y.shape());
        assertArrayEquals(new float[] {15, 24}, y.data());
        assertEquals(0, run(conv("--padding-begin", "1", "--padding-end", "0", "--algo", "direct")), err);
        assertArrayEquals(new float[] {2, 5, 8, 11, 14}, Npy.read(temp.resolve("y.npy")).data());
        assertEquals(0, run(conv("--padding", "same")), err);
        assertArrayEquals(new float[] {5, 8, 11, 14, 5}, Npy.read(temp.resolve("y.npy")).data());
    }

    private void assertBadInput(String needle, String... args) throws IOException {
        Files.deleteIfExists(temp.resolve("y.npy"));
        assertEquals(2, run(args), "exit status for " + needle + "; stderr: " + err);
        assertEquals(1, err.lines().count(), "one line on stderr: " + err);
        assertTrue(err.contains(needle), "stderr '" + err.trim() + "' should contain '" + needle + "'");
        assertFalse(err.contains("\tat "), "no stack trace");
        assertFalse(Files.exists(temp.resolve("y.npy")), "no output file");
    }

    @Test
    void badInputIsOneLineAndExitTwo() throws IOException {
        assertBadInput("missing.npy", "run", "conv", "--input", path("missing.npy"), "--weight", path("w.npy"),
                "--output", path("y.npy"));
        Files.writeString(temp.resolve("bad.npy"), "not numpy");
        assertBadInput("not a .npy file", "run", "conv", "--input", path("bad.npy"), "--weight", path("w.npy"),
                "--output", path("y.npy"));
        assertBadInput("--output is required", "run", "conv", "--input", path("x.npy"), "--weight", path("w.npy"));
        assertBadInput("unknown option --strid", conv("--strid", "2"));
        assertBadInput("stride", conv("--stride", "0"));
        assertBadInput("'two' is not an integer", conv("--stride", "two"));
        assertBadInput("groups=2 does not divide", conv("--groups", "2"));
        assertBadInput("spatial dim W of input [1, 1, 2], weight [1, 1, 5]: kernel=5", "run", "conv", "--input", path("w.npy"), "--weight", path("x.npy"), "--output",
                path("y.npy"));
        assertBadInput("weight must have 4 dims", "run", "conv", "--input", path("x2d.npy"), "--weight", path("w.npy"),
                "--output", path("y.npy"));
        assertBadInput("bias has shape [1, 1, 5], expected [1]", conv("--bias", path("x.npy")));
        assertBadInput("padding=same needs stride 1", conv("--padding", "same", "--stride", "2"));
        assertBadInput("not both", conv("--padding", "1", "--padding-begin", "1", "--padding-end", "1"));
        assertBadInput("needs both", conv("--padding-begin", "1"));
        assertBadInput("algorithm 'fastest'", conv("--algo", "fastest"));
        assertBadInput("winograd-f6x3 needs", conv("--algo", "winograd-f6x3")); // a 2-tap kernel
        assertBadInput("is given twice", conv("--stride", "1", "--stride", "2"));
        assertBadInput("needs a value", conv("--stride"));
        assertBadInput("unknown op 'deconv'", "run", "deconv");
        assertBadInput("unknown command", "frobnicate");
    }

    private String[] op(String name, String... extra) {
        List<String> a = new ArrayList<>(List.of("run", name, "--input", path("x2d.npy"), "--output", path("y.npy")));
        a.addAll(Arrays.asList(extra));
        return a.toArray(String[]::new);
    }

    @Test
    void everyOpRunsAndRejectsBadInputTheSameWay() throws IOException {
        assertEquals(0, run(op("max-pool", "--kernel", "2", "--stride", "1", "--indices", path("i.npy"))), err);
        assertArrayEquals(new long[] {1, 1, 2, 2}, Npy.read(temp.resolve("y.npy")).shape());
        assertTrue(Files.exists(temp.resolve("i.npy")));
        assertEquals(0, run(op("pad", "--mode", "circular", "--pads", "1,2,3,0")), err);
        assertArrayEquals(new long[] {1, 1, 6, 6}, Npy.read(temp.resolve("y.npy")).shape());
        assertEquals(0, run(op("upsample", "--mode", "bilinear", "--scale", "2,1.5", "--align-corners", "true")), err);
        assertArrayEquals(new long[] {1, 1, 6, 4}, Npy.read(temp.resolve("y.npy")).shape());
        assertEquals(0, run("run", "conv-transpose", "--input", path("x.npy"), "--weight", path("w.npy"), "--output",
                path("y.npy"), "--stride", "2", "--output-padding", "1"), err);
        assertArrayEquals(new long[] {1, 1, 11}, Npy.read(temp.resolve("y.npy")).shape());

        assertBadInput("--kernel is required", op("max-pool"));
        assertBadInput("padding=2 must be at most half of kernel=2", op("avg-pool", "--kernel", "2", "--padding", "2"));
        assertBadInput("unknown option --dilation", op("avg-pool", "--kernel", "2", "--dilation", "2"));
        assertBadInput("'maybe' is not true or false", op("avg-pool", "--kernel", "2", "--ceil-mode", "maybe"));
        assertBadInput("reflect pads 3/0", op("pad", "--mode", "reflect", "--pads", "3,0,0,0"));
        assertBadInput("--value applies to --mode constant only", op("pad", "--mode", "reflect", "--pads", "1,1,1,1",
                "--value", "2"));
        assertBadInput("pad mode 'edge'", op("pad", "--mode", "edge", "--pads", "1,1,1,1"));
        assertBadInput("'cubic' is not nearest or bilinear", op("upsample", "--mode", "cubic", "--scale", "2"));
        assertBadInput("bilinear only", op("upsample", "--mode", "nearest", "--scale", "2", "--align-corners", "true"));
        assertBadInput("not divisible by factor^2=4", op("pixel-shuffle", "--factor", "2"));
        assertBadInput("--factor is required", op("pixel-unshuffle"));
        assertBadInput("groups=2 must be >= 1 and divide channels=1", op("channel-shuffle", "--groups", "2"));
        assertBadInput("--output-size is required", op("adaptive-avg-pool"));
        assertBadInput("outputPadding=2 must be smaller than stride=2", "run", "conv-transpose", "--input",
                path("x.npy"), "--weight", path("w.npy"), "--output", path("y.npy"), "--stride", "2",
                "--output-padding", "2");
        assertBadInput("unknown option --padding-begin", "run", "conv-transpose", "--input", path("x.npy"), "--weight",
                path("w.npy"), "--output", path("y.npy"), "--padding-begin", "1", "--padding-end", "1");
    }

    /** A .npy file by hand: version 1 header dict, then the given data bytes. */
    private String npy(String name, String dict, int dataBytes) throws IOException {
        byte[] header = (dict + "\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] file = new byte[10 + header.length + dataBytes];
        byte[] magic = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) header.length, 0};
        System.arraycopy(magic, 0, file, 0, 10);
        System.arraycopy(header, 0, file, 10, header.length);
        Files.write(temp.resolve(name), file);
        return path(name);
    }

    @Test
    void hostileNpyFilesAreOneLineErrors() throws IOException {
        String f4 = "{'descr': '<f4', 'fortran_order': False, 'shape': ";
        String[] bad = {
            npy("truncated.npy", f4 + "(1, 1, 5), }", 12), "header says shape [1, 1, 5]",
            npy("oversized.npy", f4 + "(1, 1, 5), }", 24), "holds 24 data bytes",
            npy("lying.npy", f4 + "(1000000, 1000000, 1000000), }", 20), "header says shape [1000000, 1000000, 1000000]",
            npy("int.npy", "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 1, 5), }", 40), "dtype '<i8'",
            npy("rank.npy", f4 + "(5,), }", 20), "input must have 3, 4 or 5 dims",
            npy("negative.npy", f4 + "(1, -1, 5), }", 0), "negative size in shape",
        };
        for (int i = 0; i < bad.length; i += 2) {
            assertBadInput(bad[i + 1], "run", "conv", "--input", bad[i], "--weight", path("w.npy"), "--output",
                    path("y.npy"));
        }
        Files.createDirectory(temp.resolve("dir.npy"));
        assertBadInput("dir.npy", "run", "conv", "--input", path("dir.npy"), "--weight", path("w.npy"), "--output",
                path("y.npy"));
        assertBadInput("cannot write", "run", "conv", "--input", path("x.npy"), "--weight", path("w.npy"), "--output",
                path("no/such/dir/y.npy"));
    }

    @Test
    void verboseAddsTheStackTrace() {
        assertEquals(2, run(conv("--stride", "0", "--verbose")));
        assertTrue(err.contains("\tat "), err);
    }

    @Test
    void infoNamesVersionIsaAndAlgorithms() {
        assertEquals(0, run("info"), err);
        assertTrue(out.contains("jconv 0."), out);
        assertTrue(out.contains("isa: "), out);
        assertTrue(out.matches("(?s).*gemm: gemm_ukernel_6x16_\\w+, MR 6 NR 16, kc \\d+ nc \\d+, B packed: kc \\d+ nc \\d+, A streaming: kc \\d+ nc \\d+ \\(L1d \\d+ KiB.*"), out);
        assertTrue(out.contains("algorithms: auto, direct, im2col, winograd-f2x3, winograd-f4x3, winograd-f6x3, depthwise"),
                out);
    }

    @Test
    void benchReportsMeasuredAndSkippedLayers() {
        assertEquals(0, run("bench", "--filter", "^(mb2_dw_14|fcn_up_op|r50_maxpool|c3d_avgpool)$", "--min-time", "0",
                "--min-reps", "3", "--threads", "1"), err);
        assertTrue(out.contains("mb2_dw_14        depthwise"), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("fcn_up_op") && l.endsWith("GFLOP/s")), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("r50_maxpool") && l.endsWith("GB/s")), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("c3d_avgpool") && l.endsWith("GB/s")), out);

        assertEquals(0, run("bench", "--json", "--filter", "mb2_dw_14|r50_maxpool", "--min-time", "0", "--min-reps",
                "3", "--algo", "direct"), err);
        String json = out.trim();
        assertTrue(json.startsWith("[") && json.endsWith("]"), json);
        for (String key : List.of("\"name\": \"mb2_dw_14\"", "\"op\": \"conv\"", "\"algorithm\": \"direct\"",
                "\"median_ms\"", "\"min_ms\"", "\"max_ms\"", "\"repetitions\": ", "\"gflops\"", "\"gbps\"",
                "\"machine\"", "\"isa\"", "\"threads\"")) {
            assertTrue(json.contains(key), key + " in " + json);
        }

        // A forced algorithm that cannot run a layer lists it as skipped, with the reason.
        assertEquals(0, run("bench", "--json", "--filter", "^mb2_dw_s2$", "--min-reps", "1", "--algo", "winograd-f6x3"),
                err); // stride 2: Winograd declines
        assertTrue(out.contains("\"skipped\": \"") && out.contains("winograd-f6x3"), out);
    }

    @Test
    void benchRejectsBadOptions() throws IOException {
        assertBadInput("--threads", "bench", "--threads", "0");
        assertBadInput("bad regular expression", "bench", "--filter", "(");
        assertBadInput("algorithm 'x'", "bench", "--algo", "x");
        Files.writeString(temp.resolve("layers.csv"), "name,op\nbroken,conv,1\n");
        assertBadInput("expected 13 fields", "bench", "--layers", path("layers.csv"));
    }
}
