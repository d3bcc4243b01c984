package dev.jconv.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy's .npy format (versions 1.0, 2.0 and 3.0): reads little-endian float32 and float64 arrays
 * in C order (float64 is converted to float32), writes float32. Anything else, and any header that
 * does not match the data, is a {@link CliException} naming the file and the problem.
 */
final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int MAX_HEADER = 1 << 20;
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** An array read from a file. */
    record Array(float[] data, long[] shape) {}

    private Npy() {}

    static Array read(Path path) {
        long size;
        try {
            size = Files.size(path);
        } catch (IOException e) {
            throw new CliException(path + ": cannot read (" + describe(e) + ")");
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer preamble = readFully(channel, path, 0, Math.min(size, 12));
            for (int i = 0; i < MAGIC.length; i++) {
                if (preamble.remaining() <= i || preamble.get(i) != MAGIC[i]) {
                    throw new CliException(path + ": not a .npy file (no \\x93NUMPY magic)");
                }
            }
            if (size < 10) throw new CliException(path + ": truncated .npy header");
            int major = preamble.get(6) & 0xff;
            long headerLength;
            int headerStart;
            if (major == 1) {
                headerLength = preamble.order(ByteOrder.LITTLE_ENDIAN).getShort(8) & 0xffff;
                headerStart = 10;
            } else if (major == 2 || major == 3) {
                if (size < 12) throw new CliException(path + ": truncated .npy header");
                headerLength = preamble.order(ByteOrder.LITTLE_ENDIAN).getInt(8) & 0xffffffffL;
                headerStart = 12;
            } else {
                throw new CliException(path + ": .npy version " + major + " is not supported (1, 2 or 3)");
            }
            if (headerLength > MAX_HEADER || headerStart + headerLength > size) {
                throw new CliException(path + ": .npy header length " + headerLength + " does not fit the file of "
                        + size + " bytes");
            }
            ByteBuffer headerBytes = readFully(channel, path, headerStart, headerLength);
            String header = StandardCharsets.ISO_8859_1.decode(headerBytes).toString();
            String descr = match(DESCR, header, path, "descr");
            String fortran = match(FORTRAN, header, path, "fortran_order");
            long[] shape = parseShape(match(SHAPE, header, path, "shape"), path);
            int itemSize;
            if (descr.equals("<f4")) {
                itemSize = 4;
            } else if (descr.equals("<f8")) {
                itemSize = 8;
            } else {
                throw new CliException(path + ": dtype '" + descr + "' is not supported: need little-endian float32 "
                        + "('<f4') or float64 ('<f8')");
            }
            if (fortran.equals("True")) {
                throw new CliException(path + ": Fortran-order arrays are not supported: save a C-order array "
                        + "(numpy.ascontiguousarray)");
            }
            long count = 1;
            for (long d : shape) {
                count = Math.multiplyExact(count, d);
            }
            long dataStart = headerStart + headerLength;
            long dataBytes = size - dataStart;
            if (count > (Integer.MAX_VALUE - 8) || Math.multiplyExact(count, (long) itemSize) != dataBytes) {
                throw new CliException(path + ": header says shape " + Arrays.toString(shape) + " of " + descr + " ("
                        + count + " values), but the file holds " + dataBytes + " data bytes");
            }
            ByteBuffer data = readFully(channel, path, dataStart, dataBytes).order(ByteOrder.LITTLE_ENDIAN);
            float[] values = new float[(int) count];
            if (itemSize == 4) {
                data.asFloatBuffer().get(values);
            } else {
                for (int i = 0; i < values.length; i++) values[i] = (float) data.getDouble(i * 8);
            }
            return new Array(values, shape);
        } catch (ArithmeticException e) {
            throw new CliException(path + ": shape overflows");
        } catch (IOException e) {
            throw new CliException(path + ": cannot read (" + describe(e) + ")");
        }
    }

    /** Writes a float32 .npy (version 1.0) atomically: the file appears complete or not at all. */
    static void write(Path path, float[] data, long[] shape) {
        writeAtomically(path, "<f4", shape, data.length, 4, (buffer, from, count) -> buffer.asFloatBuffer().put(data, from, count));
    }

    /** Writes an int64 .npy (PyTorch's index dtype), atomically. */
    static void writeLongs(Path path, long[] data, long[] shape) {
        writeAtomically(path, "<i8", shape, data.length, 8, (buffer, from, count) -> buffer.asLongBuffer().put(data, from, count));
    }

    /** Copies count values starting at from into a little-endian buffer. */
    private interface ChunkWriter {
        void put(ByteBuffer buffer, int from, int count);
    }

    private static void writeAtomically(Path path, String descr, long[] shape, int length, int itemSize,
            ChunkWriter values) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapeTuple(shape) + ", }";
        // Magic, version and length take 10 bytes; pad so that the data starts at a multiple of 64.
        int padded = (10 + dict.length() + 1 + 63) / 64 * 64 - 10;
        String header = dict + " ".repeat(padded - dict.length() - 1) + "\n";
        ByteBuffer head = ByteBuffer.allocate(10 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) padded);
        head.put(header.getBytes(StandardCharsets.ISO_8859_1)).flip();
        Path absolute = path.toAbsolutePath();
        Path temp = null;
        try {
            temp = Files.createTempFile(absolute.getParent(), ".jconv-", ".npy.tmp");
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                writeFully(channel, head);
                ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < length; ) {
                    int n = Math.min(chunk.capacity() / itemSize, length - i);
                    chunk.clear();
                    values.put(chunk, i, n);
                    chunk.limit(n * itemSize);
                    writeFully(channel, chunk);
                    i += n;
                }
            }
            Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // the write failed already; that error is the one to report
                }
            }
            throw new CliException(path + ": cannot write (" + describe(e) + ")");
        }
    }

    /** Python's tuple syntax, as NumPy writes it: (), (5,), (2, 3). */
    private static String shapeTuple(long[] shape) {
        if (shape.length == 1) return "(" + shape[0] + ",)";
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) b.append(i == 0 ? "" : ", ").append(shape[i]);
        return b.append(")").toString();
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) channel.write(buffer);
    }

    private static long[] parseShape(String text, Path path) {
        String trimmed = text.trim();
        if (trimmed.isEmpty()) return new long[0];
        String[] parts = trimmed.split(",");
        int n = parts.length;
        if (parts[n - 1].trim().isEmpty()) n--; // "(5,)"
        long[] shape = new long[n];
        for (int i = 0; i < n; i++) {
            try {
                shape[i] = Long.parseLong(parts[i].trim().replace("L", ""));
            } catch (NumberFormatException e) {
                throw new CliException(path + ": bad shape '(" + text + ")' in the .npy header");
            }
            if (shape[i] < 0) throw new CliException(path + ": negative size in shape '(" + text + ")'");
        }
        return shape;
    }

    private static String match(Pattern pattern, String header, Path path, String key) {
        Matcher m = pattern.matcher(header);
        if (!m.find()) throw new CliException(path + ": the .npy header has no valid '" + key + "'");
        return m.group(1);
    }

    private static ByteBuffer readFully(FileChannel channel, Path path, long position, long length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) throw new CliException(path + ": truncated");
        }
        return buffer.flip();
    }

    private static String describe(IOException e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
