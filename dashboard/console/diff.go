package console

import "strings"

// diffLine is one line of a line diff: Op is ' ' (in both), '-' (only in
// the older text) or '+' (only in the newer).
type diffLine struct {
	Op   string
	Text string
}

// maxDiffCells bounds the diff's table (lines of one text times lines of
// the other): post-mortems are at most incident.MaxPostmortemBytes, and a
// diff of two such texts of short lines must not take the server's
// memory. Past it, the diff shows the older text removed and the newer
// added.
const maxDiffCells = 4_000_000

// lineDiff is the shortest line diff from a to b: the longest common
// subsequence of their lines kept, the rest removed or added, in order.
func lineDiff(a, b string) []diffLine {
	x, y := splitLines(a), splitLines(b)
	if len(x)*len(y) > maxDiffCells {
		var out []diffLine
		for _, l := range x {
			out = append(out, diffLine{"-", l})
		}
		for _, l := range y {
			out = append(out, diffLine{"+", l})
		}
		return out
	}
	// lcs[i][j] is the length of the longest common subsequence of
	// x[i:] and y[j:].
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []diffLine
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		switch {
		case x[i] == y[j]:
			out = append(out, diffLine{" ", x[i]})
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, diffLine{"-", x[i]})
			i++
		default:
			out = append(out, diffLine{"+", y[j]})
			j++
		}
	}
	for ; i < len(x); i++ {
		out = append(out, diffLine{"-", x[i]})
	}
	for ; j < len(y); j++ {
		out = append(out, diffLine{"+", y[j]})
	}
	return out
}

// splitLines is s's lines, without their endings; "" has none.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(strings.ReplaceAll(s, "\r\n", "\n"), "\n"), "\n")
}
