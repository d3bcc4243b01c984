package dev.jconv.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Cases computed by PyTorch 1.13 (golden/generate.py): `jconv run OP` on torch's input (and weight
 * and bias), with the options in args.txt, must give torch's output: exactly for the ops that only
 * move or compare values (max pooling with its indices, shuffles, pad, nearest upsampling), within
 * fp32 rounding for the ones that add.
 */
class PyTorchGoldenTest {
    private static final Set<String> EXACT = Set.of("max-pool", "pixel-shuffle", "pixel-unshuffle", "channel-shuffle",
            "pad");

    @TempDir
    Path temp;

    static Stream<Path> cases() throws IOException, URISyntaxException {
        Path root = Path.of(PyTorchGoldenTest.class.getResource("/golden").toURI());
        List<Path> dirs = new ArrayList<>();
        try (Stream<Path> list = Files.list(root)) {
            list.filter(Files::isDirectory).sorted().forEach(dirs::add);
        }
        assertTrue(dirs.size() >= 40, "golden cases are missing");
        return dirs.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void runMatchesPyTorch(Path dir) throws IOException {
        List<String> given = List.of(Files.readString(dir.resolve("args.txt")).trim().split("\\s+"));
        String op = given.get(0);
        List<String> args = new ArrayList<>(List.of("run", op, "--input", dir.resolve("input.npy").toString(),
                "--output", temp.resolve("y.npy").toString()));
        for (String optional : List.of("weight", "bias")) {
            Path file = dir.resolve(optional + ".npy");
            if (Files.exists(file)) args.addAll(List.of("--" + optional, file.toString()));
        }
        boolean indices = Files.exists(dir.resolve("indices.npy"));
        if (indices) args.addAll(List.of("--indices", temp.resolve("i.npy").toString()));
        args.addAll(given.subList(1, given.size()));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args.toArray(String[]::new), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));

        Npy.Array expected = Npy.read(dir.resolve("output.npy"));
        Npy.Array actual = Npy.read(temp.resolve("y.npy"));
        assertArrayEquals(expected.shape(), actual.shape(), "shape");
        if (EXACT.contains(op) || (op.equals("upsample") && given.contains("nearest"))) {
            assertArrayEquals(expected.data(), actual.data(), dir.getFileName() + ": values");
        } else {
            // torch's data are N(0, 1): a bound scaled by the largest output is ample for rounding
            // and far below any indexing mistake.
            float scale = 0;
            for (float v : expected.data()) scale = Math.max(scale, Math.abs(v));
            for (int i = 0; i < expected.data().length; i++) {
                float e = expected.data()[i];
                float a = actual.data()[i];
                if (!(Math.abs(a - e) <= 1e-5f * Math.max(1f, scale))) {
                    fail(dir.getFileName() + ": output " + i + " is " + a + ", PyTorch gives " + e);
                }
            }
        }
        if (indices) {
            assertArrayEquals(readLongs(dir.resolve("indices.npy")), readLongs(temp.resolve("i.npy")), "indices");
        }
    }

    /** The values of a little-endian int64 .npy version 1 file. */
    private static long[] readLongs(Path path) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
        int header = b.getShort(8) & 0xffff;
        String dict = new String(Files.readAllBytes(path), 10, header, StandardCharsets.ISO_8859_1);
        assertTrue(dict.contains("'<i8'"), dict);
        b.position(10 + header);
        long[] out = new long[b.remaining() / 8];
        b.asLongBuffer().get(out);
        return out;
    }
}
