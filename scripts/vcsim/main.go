// tsimg-vcsim: VMware's vCenter simulator (govmomi's simulator package, from Debian's
// golang-github-vmware-govmomi-dev) served on one address, plus a small fault hook for tests.
//
// It prints one line, `TSIMG_VCSIM_URL=https://127.0.0.1:PORT/sdk`, once it answers, and
// exits when its standard input closes (the test process that started it died) or on
// SIGTERM/SIGINT, removing the containers of container-backed VMs as the simulator does.
//
// Fault hook (tests only): POST /tsimg/faults with a JSON body
//   {"method": "CloneVM_Task", "fault": "InvalidState", "message": "...", "times": 1}
// makes the next `times` SOAP calls of that method answer a SOAP fault; {"method": ..., "hold": true}
// holds the next call of that method until the client goes away or POST /tsimg/release is sent;
// {"method": ..., "drop": true} carries the next call out and then closes the connection
// without an answer (a lost response).
// GET /tsimg/calls lists the SOAP methods called so far, in order; GET /tsimg/requests the
// request bodies of the last 100 calls (Login's never kept), for tests that check what was sent.
package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"sync"
	"syscall"

	"github.com/vmware/govmomi/simulator"
	_ "github.com/vmware/govmomi/vapi/simulator"
)

type fault struct {
	Method  string `json:"method"`
	Fault   string `json:"fault"`
	Message string `json:"message"`
	Times   int    `json:"times"`
	Hold    bool   `json:"hold"`
	Drop    bool   `json:"drop"`
}

type hooks struct {
	mu      sync.Mutex
	faults  []*fault
	calls   []string
	held    []string
	bodies  []request
	release chan struct{}
}

type request struct {
	Method string `json:"method"`
	Body   string `json:"body"`
}

var methodRe = regexp.MustCompile(`<(?:[A-Za-z0-9_]+:)?Body[^>]*>\s*<(?:[A-Za-z0-9_]+:)?([A-Za-z0-9_]+)[\s>/]`)

func (h *hooks) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || (r.URL.Path != "/sdk" && r.URL.Path != "/sdk/vimService") {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		method := ""
		if m := methodRe.FindSubmatch(body); m != nil {
			method = string(m[1])
		}
		h.mu.Lock()
		h.calls = append(h.calls, method)
		if method != "Login" {
			h.bodies = append(h.bodies, request{method, string(body)})
			if len(h.bodies) > 100 {
				h.bodies = h.bodies[len(h.bodies)-100:]
			}
		}
		var hit *fault
		for i, f := range h.faults {
			if f.Method == method {
				hit = f
				if f.Hold || f.Drop || f.Times <= 1 {
					h.faults = append(h.faults[:i], h.faults[i+1:]...)
				} else {
					f.Times--
				}
				break
			}
		}
		release := h.release
		if hit != nil && hit.Hold {
			h.held = append(h.held, method)
		}
		h.mu.Unlock()
		if hit != nil && hit.Hold {
			select {
			case <-release:
			case <-r.Context().Done():
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if hit != nil && hit.Drop {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					_ = conn.Close()
					return
				}
			}
			http.Error(w, "dropped", http.StatusBadGateway)
			return
		}
		if hit != nil {
			name := hit.Fault
			if name == "" {
				name = "SystemError"
			}
			msg := hit.Message
			if msg == "" {
				msg = "injected fault"
			}
			w.Header().Set("Content-Type", "text/xml; charset=utf-8")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>%s</faultstring><detail><%sFault xmlns="urn:vim25" xsi:type="%s"></%sFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`, xmlEscape(msg), name, name, name)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	_ = xmlEscapeTo(&b, s)
	return b.String()
}

func xmlEscapeTo(b *bytes.Buffer, s string) error {
	for _, c := range s {
		switch c {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(c)
		}
	}
	return nil
}

func (h *hooks) control(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/tsimg/faults":
		if r.Method == http.MethodDelete {
			h.faults = nil
			break
		}
		var f fault
		if err := json.NewDecoder(r.Body).Decode(&f); err != nil || f.Method == "" {
			http.Error(w, "expected {\"method\": ..., \"fault\"|\"hold\"|\"drop\": ...}", http.StatusBadRequest)
			return
		}
		if f.Times < 1 {
			f.Times = 1
		}
		h.faults = append(h.faults, &f)
	case "/tsimg/release":
		close(h.release)
		h.release = make(chan struct{})
		h.held = nil
	case "/tsimg/requests":
		_ = json.NewEncoder(w).Encode(map[string][]request{"requests": h.bodies})
		return
	case "/tsimg/calls":
		_ = json.NewEncoder(w).Encode(map[string][]string{"calls": h.calls, "held": h.held})
		return
	default:
		http.NotFound(w, r)
		return
	}
	_, _ = w.Write([]byte("{}\n"))
}

func main() {
	listen := flag.String("l", "127.0.0.1:0", "address to listen on")
	username := flag.String("username", "", "the only user name Login accepts (any non-empty when unset)")
	password := flag.String("password", "", "the password for -username")
	hosts := flag.Int("host", 1, "standalone hosts per datacenter")
	clusters := flag.Int("cluster", 1, "clusters per datacenter")
	machines := flag.Int("vm", 2, "VMs per resource pool")
	flag.Parse()

	model := simulator.VPX()
	model.Host = *hosts
	model.Cluster = *clusters
	model.Machine = *machines
	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	model.Service.TLS = new(tls.Config)
	model.Service.RegisterEndpoints = true
	model.Service.Listen = &url.URL{Host: *listen}
	if *username != "" {
		model.Service.Listen.User = url.UserPassword(*username, *password)
	}
	h := &hooks{release: make(chan struct{})}
	model.Service.HandleFunc("/tsimg/", h.control)
	server := model.Service.NewServer()
	// usb.go answers PutUsbScanCodes (the simulator lacks it); the fault hook sees those calls too.
	server.Server.Config.Handler = h.wrap(usbScanCodes(server.Server.Config.Handler))

	u := *server.URL
	u.User = nil
	fmt.Printf("TSIMG_VCSIM_URL=%s\n", u.String())
	os.Stdout.Sync()

	done := make(chan struct{})
	go func() {
		// stdin closing means whoever started us is gone.
		_, _ = io.Copy(io.Discard, bufio.NewReader(os.Stdin))
		close(done)
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case <-sig:
	case <-done:
	}
	server.Close()
	model.Remove()
}
