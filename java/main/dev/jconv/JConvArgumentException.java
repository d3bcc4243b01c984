package dev.jconv;

/**
 * An argument the native library rejected (JCONV_INVALID_ARGUMENT), or a valid one that the chosen
 * algorithm cannot do (JCONV_UNSUPPORTED). The message names the argument.
 */
public class JConvArgumentException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final int status;

    public JConvArgumentException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The native jconv_status value. */
    public int status() {
        return status;
    }
}
