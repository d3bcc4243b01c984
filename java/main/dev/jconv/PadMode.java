package dev.jconv;

/** How {@link Functional#pad} fills the border, as torch.nn.functional.pad's modes. */
public enum PadMode {
    /** A constant value; negative pads crop. */
    CONSTANT,
    /** Mirror without repeating the edge element; pads must be smaller than the size. */
    REFLECT,
    /** Repeat the edge element. */
    REPLICATE,
    /** Wrap around; pads at most the size. */
    CIRCULAR;

    /** "constant", "reflect", "replicate", "circular". */
    public String externalName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static PadMode fromName(String name) {
        for (PadMode m : values()) {
            if (m.externalName().equals(name)) return m;
        }
        throw new IllegalArgumentException("pad mode '" + name + "' is not one of constant, reflect, replicate, circular");
    }
}
