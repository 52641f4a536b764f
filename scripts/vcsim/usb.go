// PutUsbScanCodes for tsimg-vcsim: govmomi's simulator does not implement the method (it
// answers MethodNotFound), so this handler, in front of the simulator's SOAP endpoint, does
// what vSphere does with it that a test can see: it decodes the request with govmomi's own vim25
// types (so a malformed spec fails here as it would in vSphere), checks the session through the
// simulator (a CurrentTime call with the caller's cookie), checks that the VM exists and is
// powered on, records every key event per VM, and answers the number of events injected.
//
// GET /tsimg/usb-scan-codes answers {"<vm moref>": [{"usbHidCode": ..., "leftControl": ...}, ...]};
// DELETE clears the record. No keys reach any guest: the simulator runs no firmware or OS.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

type usbKeyEvent struct {
	UsbHidCode   int32 `json:"usbHidCode"`
	LeftControl  bool  `json:"leftControl"`
	LeftShift    bool  `json:"leftShift"`
	LeftAlt      bool  `json:"leftAlt"`
	LeftGui      bool  `json:"leftGui"`
	RightControl bool  `json:"rightControl"`
	RightShift   bool  `json:"rightShift"`
	RightAlt     bool  `json:"rightAlt"`
	RightGui     bool  `json:"rightGui"`
}

type usbRecorder struct {
	mu     sync.Mutex
	events map[string][]usbKeyEvent
}

func isSet(b *bool) bool { return b != nil && *b }

// usbScanCodes wraps the simulator's handler: PutUsbScanCodes calls and /tsimg/usb-scan-codes
// are answered here, everything else goes to next.
func usbScanCodes(next http.Handler) http.Handler {
	rec := &usbRecorder{events: map[string][]usbKeyEvent{}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/tsimg/usb-scan-codes" {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if r.Method == http.MethodDelete {
				rec.events = map[string][]usbKeyEvent{}
			}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(rec.events)
			return
		}
		if r.Method != http.MethodPost || (r.URL.Path != "/sdk" && r.URL.Path != "/sdk/vimService") {
			next.ServeHTTP(w, r)
			return
		}
		body, err := readBody(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if m := methodRe.FindSubmatch(body); m == nil || string(m[1]) != "PutUsbScanCodes" {
			next.ServeHTTP(w, r)
			return
		}
		method, err := simulator.UnmarshalBody(types.TypeFunc(), body)
		if err != nil {
			soapFault(w, "InvalidRequest", err.Error())
			return
		}
		req, ok := method.Body.(*types.PutUsbScanCodes)
		if !ok {
			soapFault(w, "InvalidRequest", fmt.Sprintf("unexpected body %T", method.Body))
			return
		}
		if !sessionActive(next, r) {
			soapFault(w, "NotAuthenticated", "")
			return
		}
		vm, ok := simulator.Map.Get(req.This).(*simulator.VirtualMachine)
		if !ok {
			soapFault(w, "ManagedObjectNotFound", fmt.Sprintf("managed object not found: %s", req.This))
			return
		}
		var state types.VirtualMachinePowerState
		simulator.Map.WithLock(vm, func() { state = vm.Runtime.PowerState })
		if state != types.VirtualMachinePowerStatePoweredOn {
			soapFault(w, "InvalidPowerState", fmt.Sprintf("the VM is %s", state))
			return
		}
		rec.mu.Lock()
		for _, e := range req.Spec.KeyEvents {
			k := usbKeyEvent{UsbHidCode: e.UsbHidCode}
			if m := e.Modifiers; m != nil {
				k.LeftControl, k.LeftShift, k.LeftAlt, k.LeftGui = isSet(m.LeftControl), isSet(m.LeftShift), isSet(m.LeftAlt), isSet(m.LeftGui)
				k.RightControl, k.RightShift, k.RightAlt, k.RightGui = isSet(m.RightControl), isSet(m.RightShift), isSet(m.RightAlt), isSet(m.RightGui)
			}
			rec.events[req.This.Value] = append(rec.events[req.This.Value], k)
		}
		rec.mu.Unlock()
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><PutUsbScanCodesResponse xmlns="urn:vim25"><returnval>%d</returnval></PutUsbScanCodesResponse></soapenv:Body></soapenv:Envelope>`, len(req.Spec.KeyEvents))
	})
}

func readBody(r *http.Request) ([]byte, error) {
	var b bytes.Buffer
	if _, err := b.ReadFrom(r.Body); err != nil {
		return nil, err
	}
	r.Body.Close()
	body := b.Bytes()
	r.Body = readCloser{bytes.NewReader(body)}
	return body, nil
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// sessionActive asks the simulator itself: CurrentTime needs a logged-in session.
func sessionActive(next http.Handler, r *http.Request) bool {
	probe := `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><CurrentTime xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></CurrentTime></soapenv:Body></soapenv:Envelope>`
	req := httptest.NewRequest(http.MethodPost, r.URL.Path, bytes.NewBufferString(probe))
	for _, c := range r.Cookies() {
		req.AddCookie(c)
	}
	req.Header.Set("Content-Type", "text/xml")
	if v := r.Header.Get("vmware_soap_session"); v != "" {
		req.Header.Set("vmware_soap_session", v)
	}
	res := httptest.NewRecorder()
	next.ServeHTTP(res, req)
	return res.Code == http.StatusOK
}

func soapFault(w http.ResponseWriter, name, msg string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>%s</faultstring><detail><%sFault xmlns="urn:vim25" xsi:type="%s"></%sFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`, xmlEscape(msg), name, name, name)
}
