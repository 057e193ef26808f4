package io.earshot.bench;

import io.earshot.config.EarshotConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One set of Sphinx4 search settings for the engine benchmark: the four beams and the language model's weights.
 * Earshot configures the beams, the language weight and the word insertion probability; the silence and filler
 * insertion probabilities are set here as the system properties of the same names, which Sphinx4 reads.
 *
 * <p>Written as comma-separated {@code name=value} pairs with Sphinx4's property names or their short forms
 * ({@code abw=5000,rbw=1e-60,awbw=100,rwbw=1e-40,lw=10,wip=0.2,sip=0.1,fip=1e-2}); names not given keep their
 * value in the setting the text is applied to.
 */
record EngineSetting(long absoluteBeamWidth, double relativeBeamWidth, long absoluteWordBeamWidth,
        double relativeWordBeamWidth, double languageWeight, double wordInsertionProbability,
        double silenceInsertionProbability, double fillerInsertionProbability) {

    /** Short form → Sphinx4 property name, in the order settings are written. */
    private static final Map<String, String> NAMES = new LinkedHashMap<>();

    static {
        NAMES.put("abw", "absoluteBeamWidth");
        NAMES.put("rbw", "relativeBeamWidth");
        NAMES.put("awbw", "absoluteWordBeamWidth");
        NAMES.put("rwbw", "relativeWordBeamWidth");
        NAMES.put("lw", "languageWeight");
        NAMES.put("wip", "wordInsertionProbability");
        NAMES.put("sip", "silenceInsertionProbability");
        NAMES.put("fip", "fillerInsertionProbability");
    }

    /** Sphinx4's own search settings (its {@code default.config.xml}). */
    static final EngineSetting SPHINX4_STOCK = new EngineSetting(20_000, 1e-60, 200, 1e-40, 8.0, 0.1, 0.1, 1e-2);

    /** The setting Earshot is configured with (its defaults, or {@code earshot.engine.sphinx4.*}). */
    static EngineSetting configured(EarshotConfig c) {
        return new EngineSetting(c.sphinx4AbsoluteBeamWidth, c.sphinx4RelativeBeamWidth, c.sphinx4AbsoluteWordBeamWidth,
                c.sphinx4RelativeWordBeamWidth, c.sphinx4LanguageWeight, c.sphinx4WordInsertionProbability,
                SPHINX4_STOCK.silenceInsertionProbability, SPHINX4_STOCK.fillerInsertionProbability);
    }

    /** This setting with the pairs of {@code text} applied; blank text changes nothing. */
    EngineSetting with(String text) {
        Map<String, Double> v = values();
        for (String pair : text.split(",")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("expected name=value, got '" + pair.trim() + "'");
            }
            String name = pair.substring(0, eq).trim();
            String full = NAMES.getOrDefault(name, name);
            if (!v.containsKey(full)) {
                throw new IllegalArgumentException("unknown Sphinx4 setting '" + name + "'; known: " + NAMES);
            }
            v.put(full, Double.parseDouble(pair.substring(eq + 1).trim()));
        }
        return new EngineSetting(Math.round(v.get("absoluteBeamWidth")), v.get("relativeBeamWidth"),
                Math.round(v.get("absoluteWordBeamWidth")), v.get("relativeWordBeamWidth"), v.get("languageWeight"),
                v.get("wordInsertionProbability"), v.get("silenceInsertionProbability"),
                v.get("fillerInsertionProbability"));
    }

    /** Settings separated by semicolons, each applied to {@code base}; {@code base} itself is written "base". */
    static List<EngineSetting> list(EngineSetting base, String text) {
        List<EngineSetting> out = new ArrayList<>();
        for (String one : text.split(";")) {
            if (one.trim().equals("base")) {
                out.add(base);
            } else if (!one.isBlank()) {
                out.add(base.with(one));
            }
        }
        return out;
    }

    /** Earshot's settings for an engine with two recognizers and this setting. */
    EarshotConfig earshotConfig() {
        return EarshotConfig.from(Map.of(
                "earshot.engine.threads", "2",
                "earshot.engine.sphinx4.absolute-beam-width", Long.toString(absoluteBeamWidth),
                "earshot.engine.sphinx4.relative-beam-width", Double.toString(relativeBeamWidth),
                "earshot.engine.sphinx4.absolute-word-beam-width", Long.toString(absoluteWordBeamWidth),
                "earshot.engine.sphinx4.relative-word-beam-width", Double.toString(relativeWordBeamWidth),
                "earshot.engine.sphinx4.language-weight", number(languageWeight),
                "earshot.engine.sphinx4.word-insertion-probability", Double.toString(wordInsertionProbability)));
    }

    /**
     * Sets the weights that Earshot does not configure as system properties, which every Sphinx4 configuration
     * loaded afterwards in this JVM reads (the engine sets the others the same way when it starts).
     */
    void applyWeights() {
        System.setProperty("silenceInsertionProbability", number(silenceInsertionProbability));
        System.setProperty("fillerInsertionProbability", number(fillerInsertionProbability));
    }

    /**
     * Checks that the system properties every Sphinx4 recognizer loaded since reads are this setting's: an engine
     * that sets one of them itself from a configuration the setting does not pass would quietly measure
     * something else.
     */
    void checkApplied() {
        Map<String, Double> v = values();
        List<String> wrong = new ArrayList<>();
        v.forEach((name, value) -> {
            String actual = System.getProperty(name);
            if (actual == null || Double.parseDouble(actual) != value) {
                wrong.add(name + " is " + actual + ", not " + number(value));
            }
        });
        if (!wrong.isEmpty()) {
            throw new IllegalStateException("the engine did not load this setting (" + String.join("; ", wrong)
                    + "): pass the setting through EngineSetting.earshotConfig()");
        }
    }

    /** The settings that differ from {@code base}, in short form; "base" when none do. */
    String difference(EngineSetting base) {
        Map<String, Double> mine = values();
        Map<String, Double> theirs = base.values();
        List<String> parts = new ArrayList<>();
        NAMES.forEach((s, full) -> {
            if (!mine.get(full).equals(theirs.get(full))) {
                parts.add(s + "=" + number(mine.get(full)));
            }
        });
        return parts.isEmpty() ? "base" : String.join(",", parts);
    }

    /** Every setting, in short form: the text {@link #with} reads. */
    @Override
    public String toString() {
        Map<String, Double> v = values();
        List<String> parts = new ArrayList<>();
        NAMES.forEach((s, full) -> parts.add(s + "=" + number(v.get(full))));
        return String.join(",", parts);
    }

    /** The four beams as "3000 / 1e-50 / 50 / 1e-40". */
    String beams() {
        return number(absoluteBeamWidth) + " / " + number(relativeBeamWidth) + " / " + number(absoluteWordBeamWidth)
                + " / " + number(relativeWordBeamWidth);
    }

    private Map<String, Double> values() {
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("absoluteBeamWidth", (double) absoluteBeamWidth);
        v.put("relativeBeamWidth", relativeBeamWidth);
        v.put("absoluteWordBeamWidth", (double) absoluteWordBeamWidth);
        v.put("relativeWordBeamWidth", relativeWordBeamWidth);
        v.put("languageWeight", languageWeight);
        v.put("wordInsertionProbability", wordInsertionProbability);
        v.put("silenceInsertionProbability", silenceInsertionProbability);
        v.put("fillerInsertionProbability", fillerInsertionProbability);
        return v;
    }

    /** 3000, 8.5, 0.1, 1e-50: short, and read back exactly by {@link Double#parseDouble}. */
    static String number(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e7) {
            return Long.toString((long) d);
        }
        if (Math.abs(d) >= 1e-3) {
            return Double.toString(d);
        }
        String e = String.format(Locale.ROOT, "%.3g", d);
        String mantissa = e.substring(0, e.indexOf('e')).replaceAll("\\.?0+$", "");
        int exponent = Integer.parseInt(e.substring(e.indexOf('e') + 1));
        return mantissa + "e" + exponent;
    }
}
