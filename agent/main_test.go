package agent_test

import (
	"flag"
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/gin-gonic/gin"
)

// minParallel is how many of this package's parallel tests run at once
// unless -test.parallel says otherwise. They spend minutes waiting on
// clocks (a three-minute partition, runs in network namespaces, servers
// killed and restarted) rather than on CPUs, so running only GOMAXPROCS of
// them at a time on a two-core machine would queue them toward the test
// binary's timeout for no gain.
const minParallel = 6

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode) // no route dump from the servers the tests start
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set && runtime.GOMAXPROCS(0) < minParallel {
		if err := flag.Set("test.parallel", strconv.Itoa(minParallel)); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}
