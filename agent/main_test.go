package agent_test

import (
	"os"
	"testing"

	"github.com/gin-gonic/gin"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.ReleaseMode) // no route dump from the servers the tests start
	os.Exit(m.Run())
}
