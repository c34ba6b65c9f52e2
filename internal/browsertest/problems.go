package browsertest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/audits"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Problem is one complaint of the browser.
type Problem struct {
	Source string // "exception", "console", "csp", or the console entry's source: "network", "security", "rendering", ...
	Text   string
	URL    string // the resource it is about, when known
}

func (p Problem) String() string {
	if p.URL == "" {
		return p.Source + ": " + p.Text
	}
	return p.Source + ": " + p.Text + " (" + p.URL + ")"
}

// Problems starts collecting what the tab of ctx complains about: uncaught
// exceptions, console errors and warnings (from scripts and from the
// browser itself, such as a resource it refused to load), and
// Content-Security-Policy violations reported as issues. The returned func
// hands back what was collected since the last call, and forgets it.
func Problems(t testing.TB, ctx context.Context) func() []Problem {
	t.Helper()
	var mu sync.Mutex
	var got []Problem
	add := func(source, url, format string, args ...any) {
		mu.Lock()
		got = append(got, Problem{Source: source, URL: url, Text: fmt.Sprintf(format, args...)})
		mu.Unlock()
	}
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
			add("exception", "", "%s", msg)
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning || e.Type == runtime.ConsoleAPICalledTypeAssert {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				add("console", "", "console.%s: %v", e.Type, args)
			}
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
				add(string(e.Entry.Source), e.Entry.URL, "%s: %s", e.Entry.Level, e.Entry.Text)
			}
		case *audits.EventIssueAdded:
			if e.Issue.Code == audits.InspectorIssueCodeContentSecurityPolicyIssue {
				d := e.Issue.Details.ContentSecurityPolicyIssueDetails
				if d != nil {
					add("csp", d.BlockedURL, "Content-Security-Policy directive %s refused a resource", d.ViolatedDirective)
				} else {
					add("csp", "", "Content-Security-Policy violation")
				}
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, audits.Enable, struct{}{}); err != nil {
		t.Fatalf("enable audits: %v", err)
	}
	return func() []Problem {
		mu.Lock()
		defer mu.Unlock()
		out := got
		got = nil
		return out
	}
}
