package io.sheepfs.cli;

import io.sheepfs.nativeio.FuseSession;
import picocli.CommandLine;

import java.util.Locale;

/** {@code --piece-size}: "auto" (measured per cluster) or a size as {@link SizeConverter} reads it. */
final class PieceSizeConverter implements CommandLine.ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
        if ("auto".equals(value.trim().toLowerCase(Locale.ROOT))) {
            return FuseSession.Options.AUTO_PIECE;
        }
        try {
            return new SizeConverter().convert(value);
        } catch (CommandLine.TypeConversionException e) {
            // Say that auto exists too: a user who mistyped it should not read only about sizes.
            throw new CommandLine.TypeConversionException("takes auto, 0 or a size: " + e.getMessage());
        }
    }
}
