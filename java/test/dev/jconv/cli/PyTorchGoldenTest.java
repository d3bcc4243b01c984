package dev.jconv.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Cases computed by PyTorch 1.13 (golden/generate.py): `jconv run conv` on torch's input, weight
 * and bias, with the options in args.txt, must give torch's output within fp32 rounding.
 */
class PyTorchGoldenTest {
    @TempDir
    Path temp;

    static Stream<Path> cases() throws IOException, URISyntaxException {
        Path root = Path.of(PyTorchGoldenTest.class.getResource("/golden").toURI());
        List<Path> dirs = new ArrayList<>();
        try (Stream<Path> list = Files.list(root)) {
            list.filter(Files::isDirectory).sorted().forEach(dirs::add);
        }
        assertTrue(dirs.size() >= 12, "golden cases are missing");
        return dirs.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void runConvMatchesPyTorch(Path dir) throws IOException {
        List<String> args = new ArrayList<>(List.of("run", "conv", "--input", dir.resolve("input.npy").toString(),
                "--weight", dir.resolve("weight.npy").toString(), "--output", temp.resolve("y.npy").toString()));
        if (Files.exists(dir.resolve("bias.npy"))) args.addAll(List.of("--bias", dir.resolve("bias.npy").toString()));
        args.addAll(List.of(Files.readString(dir.resolve("args.txt")).trim().split("\\s+")));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args.toArray(String[]::new), new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));

        Npy.Array expected = Npy.read(dir.resolve("output.npy"));
        Npy.Array actual = Npy.read(temp.resolve("y.npy"));
        assertArrayEquals(expected.shape(), actual.shape(), "shape");
        // torch's data are N(0, 1): an absolute bound scaled by the largest output is ample for
        // rounding and far below any indexing mistake.
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
}
