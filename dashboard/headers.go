package dashboard

import "github.com/gin-gonic/gin"

// contentSecurityPolicy is the policy of every HTML page. The pages are
// rendered on the server; the one script, a static file of slate's own,
// shows the public page's times in the reader's zone, and no inline
// script runs. They need their own stylesheet and images (the provider's
// logo), and forms that post to slate itself (the tenant sign-in and
// sign-out, feed addresses). Nothing may
// frame them, and no <base> element may send their relative links
// elsewhere.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders sets the headers every answer carries: no MIME sniffing
// (a feed or a JSON body is never run as a page or a script), the Referer
// only to slate itself (a tenant page's address never leaves for a link's
// site), and the Content-Security-Policy.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h["X-Content-Type-Options"] = []string{"nosniff"}
	h["Referrer-Policy"] = []string{"same-origin"}
	h["Content-Security-Policy"] = []string{contentSecurityPolicy}
	c.Next()
}
