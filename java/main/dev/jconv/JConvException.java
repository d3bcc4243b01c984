package dev.jconv;

/** A failure reported by the native library that is not about the caller's arguments. */
public class JConvException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int status;

    public JConvException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The native jconv_status value. */
    public int status() {
        return status;
    }
}
