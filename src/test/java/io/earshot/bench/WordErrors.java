package io.earshot.bench;

import io.earshot.engine.Wer;
import java.util.List;
import java.util.Locale;

/** Word errors of a transcript against its reference, split into substitutions, deletions and insertions. */
record WordErrors(int substitutions, int deletions, int insertions, int referenceWords) {

    static final WordErrors NONE = new WordErrors(0, 0, 0, 0);

    /** Aligns the words ({@link Wer#words}) by edit distance; the total equals {@link Wer#errors}. */
    static WordErrors of(String reference, String hypothesis) {
        List<String> ref = Wer.words(reference);
        List<String> hyp = Wer.words(hypothesis);
        int[][] d = new int[ref.size() + 1][hyp.size() + 1];
        for (int i = 0; i <= ref.size(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= hyp.size(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= ref.size(); i++) {
            for (int j = 1; j <= hyp.size(); j++) {
                int diagonal = d[i - 1][j - 1] + (ref.get(i - 1).equals(hyp.get(j - 1)) ? 0 : 1);
                d[i][j] = Math.min(diagonal, Math.min(d[i - 1][j], d[i][j - 1]) + 1);
            }
        }
        int s = 0;
        int del = 0;
        int ins = 0;
        int i = ref.size();
        int j = hyp.size();
        while (i > 0 || j > 0) {
            if (i > 0 && j > 0 && d[i][j] == d[i - 1][j - 1] + (ref.get(i - 1).equals(hyp.get(j - 1)) ? 0 : 1)) {
                if (!ref.get(i - 1).equals(hyp.get(j - 1))) {
                    s++;
                }
                i--;
                j--;
            } else if (i > 0 && d[i][j] == d[i - 1][j] + 1) {
                del++;
                i--;
            } else {
                ins++;
                j--;
            }
        }
        return new WordErrors(s, del, ins, ref.size());
    }

    WordErrors plus(WordErrors o) {
        return new WordErrors(substitutions + o.substitutions, deletions + o.deletions, insertions + o.insertions,
                referenceWords + o.referenceWords);
    }

    int errors() {
        return substitutions + deletions + insertions;
    }

    double rate() {
        return errors() / (double) Math.max(1, referenceWords);
    }

    /** "38.0 % (27 / 71)". */
    String wer() {
        return String.format(Locale.ROOT, "%.1f %% (%d / %d)", 100 * rate(), errors(), referenceWords);
    }

    /** "9 / 12 / 6". */
    String split() {
        return substitutions + " / " + deletions + " / " + insertions;
    }
}
