package agent

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// CheckServers parses the server list of --server: base URLs, HTTPS
// unless the host is a loopback address (a token must not cross a network
// in the clear). It returns them without a trailing slash.
func CheckServers(list string) ([]string, error) {
	var out []string
	for i, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		u, err := url.Parse(s)
		switch {
		case s == "":
			return nil, fmt.Errorf("--server[%d]: empty", i)
		case err != nil:
			return nil, fmt.Errorf("--server[%d]: %v", i, err)
		case u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
			return nil, fmt.Errorf("--server[%d]: %q is not a base URL like https://slate.example.com", i, s)
		case u.Scheme == "https":
		case u.Scheme == "http" && loopback(u.Hostname()):
		case u.Scheme == "http":
			return nil, fmt.Errorf("--server[%d]: %q: plain HTTP only to a loopback address; use https", i, s)
		default:
			return nil, fmt.Errorf("--server[%d]: %q: scheme must be https", i, s)
		}
		out = append(out, strings.TrimRight(s, "/"))
	}
	return out, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// NewClient is the agent's HTTP client: the system roots, or those of
// caFile (PEM) when given.
func NewClient(caFile string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("--ca-file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca-file: %s holds no PEM certificate", caFile)
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}, nil
}

// ParseSize reads a size in bytes: a number with an optional unit B, KiB,
// MiB, GiB or TiB (or KB, MB, GB, TB, also powers of 1024).
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		i = len(s)
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil || n <= 0 {
		return 0, errors.New("must be a positive size such as 1GiB or 500MiB")
	}
	mult := map[string]int64{"": 1, "B": 1, "KiB": 1 << 10, "KB": 1 << 10, "MiB": 1 << 20, "MB": 1 << 20,
		"GiB": 1 << 30, "GB": 1 << 30, "TiB": 1 << 40, "TB": 1 << 40}[strings.TrimSpace(s[i:])]
	if mult == 0 {
		return 0, fmt.Errorf("unknown unit %q: use B, KiB, MiB, GiB or TiB", strings.TrimSpace(s[i:]))
	}
	if n > (1<<62)/mult {
		return 0, errors.New("too large")
	}
	return n * mult, nil
}
