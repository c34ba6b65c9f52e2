package backup

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// hashFile returns the hex SHA-256 of a file's contents and its size in
// bytes.
func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("read %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// sumLine is a checksum file's content, in the format sha256sum writes and
// `sha256sum -c` reads.
func sumLine(sum, name string) string { return sum + "  " + name + "\n" }

// readSum reads the checksum that file.sha256 records for file.
func readSum(file string) (string, error) {
	sumPath := file + ".sha256"
	f, err := os.Open(sumPath)
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("checksum file %s is missing", sumPath)
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	line, err := bufio.NewReader(io.LimitReader(f, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read %s: %w", sumPath, err)
	}
	fields := strings.Fields(line)
	if len(fields) != 2 || !isHexSum(fields[0]) || strings.TrimPrefix(fields[1], "*") != filepath.Base(file) {
		return "", fmt.Errorf("checksum file %s: want \"<64 hex digits>  %s\", got %q", sumPath, filepath.Base(file), strings.TrimSpace(line))
	}
	return fields[0], nil
}

func isHexSum(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f') {
			return false
		}
	}
	return true
}

// checkSum compares file with the checksum its .sha256 file records and
// returns that checksum and the file's size. The error names the file.
func checkSum(file string) (string, int64, error) {
	want, err := readSum(file)
	if err != nil {
		return "", 0, err
	}
	got, size, err := hashFile(file)
	if err != nil {
		return "", 0, err
	}
	if got != want {
		return "", 0, fmt.Errorf("checksum of %s is %s, %s.sha256 records %s: the file changed after it was taken", file, got, file, want)
	}
	return got, size, nil
}

// tempPattern is the os.CreateTemp pattern of a temporary file for final:
// hidden, and with a suffix List never takes for a backup, which rotation
// removes once it is older than the newest good backup.
func tempPattern(final string) string { return "." + filepath.Base(final) + ".tmp-*" }

// Every file a backup writes goes through os.CreateTemp, which creates it
// 0600 (db.PrivateFileMode): a backup holds what the store holds.

// writeAtomic writes data to path through a temporary file in its
// directory: fsync, rename, fsync of the directory. After a crash path is
// either absent or complete. An existing path is replaced.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, tempPattern(path))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp) //nolint:errcheck // best effort
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// copyToTemp copies src into a new temporary file in dir, fsyncs it, and
// checks that the copy, read back, has checksum sum. It returns the
// temporary file's path; the caller renames or removes it.
func copyToTemp(src, dir, pattern, sum string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", err
	}
	tmp := out.Name()
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp) //nolint:errcheck // best effort
		return "", fmt.Errorf("copy %s to %s: %w", src, tmp, err)
	}
	// Read the copy back rather than hash the bytes on their way: what
	// counts is what the disk holds.
	got, _, err := hashFile(tmp)
	if err == nil && got != sum {
		err = fmt.Errorf("checksum of copy is %s, want %s", got, sum)
	}
	if err != nil {
		os.Remove(tmp) //nolint:errcheck // best effort
		return "", fmt.Errorf("copy %s to %s: %w", src, tmp, err)
	}
	return tmp, nil
}

// copyAtomic copies src to dst (replacing it) through a checked temporary
// copy in dst's directory.
func copyAtomic(src, dst, sum string) error {
	dir := filepath.Dir(dst)
	tmp, err := copyToTemp(src, dir, tempPattern(dst), sum)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp) //nolint:errcheck // best effort
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	return nil
}

// syncDir flushes a directory, so that a rename in it survives a crash.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return f.Close()
}
