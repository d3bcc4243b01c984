package dev.jconv.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {
    @TempDir
    Path temp;

    /** A .npy file by hand: version, header dict, then raw little-endian data. */
    private Path file(String name, int major, String dict, byte[] data) throws IOException {
        byte[] header = (dict + "\n").getBytes(StandardCharsets.ISO_8859_1);
        int lengthBytes = major == 1 ? 2 : 4;
        ByteBuffer b = ByteBuffer.allocate(8 + lengthBytes + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) b.putShort((short) header.length);
        else b.putInt(header.length);
        b.put(header).put(data);
        Path p = temp.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return b.array();
    }

    private static byte[] doubles(double... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double d : v) b.putDouble(d);
        return b.array();
    }

    private void assertRejected(Path p, String needle) {
        CliException e = assertThrows(CliException.class, () -> Npy.read(p));
        assertTrue(e.getMessage().contains(needle), e.getMessage());
    }

    @Test
    void writesWhatNumPyReadsAndReadsItBack() {
        Path p = temp.resolve("a.npy");
        Npy.write(p, new float[] {1, 2, 3, 4, 5, 6}, new long[] {2, 3});
        Npy.Array a = Npy.read(p);
        assertArrayEquals(new long[] {2, 3}, a.shape());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, a.data());
        Npy.write(p, new float[] {7}, new long[] {1});
        assertArrayEquals(new long[] {1}, Npy.read(p).shape());
    }

    @Test
    void readsFloat64AndVersion2() throws IOException {
        Npy.Array a = Npy.read(file("d.npy", 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
                doubles(0.5, -2, 3.25)));
        assertArrayEquals(new float[] {0.5f, -2f, 3.25f}, a.data());
        Npy.Array b = Npy.read(file("v2.npy", 2, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }",
                floats(1, 2)));
        assertArrayEquals(new long[] {1, 2}, b.shape());
    }

    @Test
    void rejectsWhatItCannotReadFaithfully() throws IOException {
        assertRejected(file("be.npy", 1, "{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", floats(1)),
                "'>f4' is not supported");
        assertRejected(file("i4.npy", 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (1,), }", floats(1)),
                "dtype");
        assertRejected(file("f.npy", 1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 1), }", floats(1)),
                "Fortran");
        assertRejected(file("short.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", floats(1, 2)),
                "header says shape [3]");
        assertRejected(file("long.npy", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", floats(1, 2)),
                "holds 8 data bytes");
        assertRejected(file("huge.npy", 1,
                "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", floats(1)), "shape");
        assertRejected(file("noshape.npy", 1, "{'descr': '<f4', 'fortran_order': False, }", floats(1)), "'shape'");
        assertRejected(file("v9.npy", 9, "{}", new byte[0]), "version 9");
        Path text = temp.resolve("text.npy");
        Files.writeString(text, "hello, world");
        assertRejected(text, "not a .npy file");
        Path empty = temp.resolve("empty.npy");
        Files.write(empty, new byte[0]);
        assertRejected(empty, "not a .npy file");
        assertRejected(temp.resolve("missing.npy"), "cannot read");
        Path truncated = temp.resolve("truncated.npy");
        Files.write(truncated, new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) 0xff, 0x7f});
        assertRejected(truncated, "header length");
    }
}
