package dev.jconv.cli;

import dev.jconv.Algorithm;
import dev.jconv.JConv;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The command line: {@code java -jar jconv.jar info | run OP ... | bench ...}. Bad input prints one
 * line on stderr and exits with status 2 (a stack trace too with {@code --verbose}).
 */
public final class Main {
    static final String USAGE = String.join("\n",
            "usage: java -jar jconv.jar [--verbose] COMMAND ...",
            "  info                    version, ISA, threads, algorithms",
            "  " + RunCommand.USAGE,
            "  " + BenchCommand.USAGE);

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; returns the exit status (0 ok, 2 bad input, 1 anything else). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        String[] rest = Arrays.stream(args).filter(a -> !a.equals("--verbose")).toArray(String[]::new);
        try {
            if (rest.length == 0 || rest[0].equals("help") || rest[0].equals("--help") || rest[0].equals("-h")) {
                out.println(USAGE);
                return rest.length == 0 ? 2 : 0;
            }
            switch (rest[0]) {
                case "info" -> info(out);
                case "run" -> RunCommand.run(rest);
                case "bench" -> BenchCommand.run(rest, out);
                default -> throw new CliException("unknown command '" + rest[0] + "'; try --help");
            }
            out.flush();
            return 0;
        } catch (CliException | IllegalArgumentException | IllegalStateException e) {
            report(err, e.getMessage(), e, verbose);
            return 2;
        } catch (OutOfMemoryError e) {
            report(err, "out of memory: " + e.getMessage(), e, verbose);
            return 2;
        } catch (UnsatisfiedLinkError e) {
            report(err, e.getMessage(), e, verbose);
            return 1;
        } catch (RuntimeException e) {
            report(err, "internal error: " + e, e, verbose);
            return 1;
        }
    }

    private static void report(PrintStream err, String message, Throwable e, boolean verbose) {
        err.println("jconv: " + (message == null ? e.toString() : message.replace('\n', ' ')));
        if (verbose) e.printStackTrace(err);
        err.flush();
    }

    private static void info(PrintStream out) {
        out.println("jconv " + JConv.version());
        out.println("isa: " + JConv.isa() + " (cpu: " + JConv.cpuIsa() + ")");
        out.println("gemm: " + JConv.gemmInfo());
        out.println("threads: " + JConv.numThreads() + (JConv.hasOpenMp() ? " (OpenMP)" : " (no OpenMP)"));
        out.println("algorithms: " + JConv.availableAlgorithms().stream().map(Algorithm::externalName)
                .collect(Collectors.joining(", ")));
        out.println("machine: " + Machine.description());
        out.println("java: " + System.getProperty("java.version") + " " + System.getProperty("java.vm.name"));
    }
}
