package mqtt

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"radiogw/avl"
	"radiogw/gateway/change"
	"radiogw/gateway/testsvc"
)

// pki is a throwaway CA with a server certificate for 127.0.0.1 and a client
// certificate, written as PEM files for mosquitto.
type pki struct {
	dir                      string
	caFile, certFile, keyFil string
	pool                     *x509.CertPool
	client                   tls.Certificate
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	dir := sharedDir(t)
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "radiogw test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	issue := func(serial int64, cn string, usage x509.ExtKeyUsage, ips []net.IP) ([]byte, *ecdsa.PrivateKey) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: ips}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, key
	}
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	keyDER := func(k *ecdsa.PrivateKey) []byte {
		b, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	srvDER, srvKey := issue(2, "127.0.0.1", x509.ExtKeyUsageServerAuth, []net.IP{net.IPv4(127, 0, 0, 1)})
	cliDER, cliKey := issue(3, "radiogw-gateway", x509.ExtKeyUsageClientAuth, nil)
	p := &pki{dir: dir, caFile: write("ca.pem", "CERTIFICATE", caDER), certFile: write("server.pem", "CERTIFICATE", srvDER),
		keyFil: write("server.key", "EC PRIVATE KEY", keyDER(srvKey)), pool: x509.NewCertPool()}
	p.pool.AddCert(ca)
	p.client = tls.Certificate{Certificate: [][]byte{cliDER}, PrivateKey: cliKey}
	return p
}

// tlsMosquitto runs mosquitto with a TLS listener that requires a client
// certificate, and a password file with one login for radiogw and one for a
// display. It returns the broker and the TLS listener's address.
func tlsMosquitto(t *testing.T, p *pki) (*testsvc.Mosquitto, string) {
	t.Helper()
	passwd := filepath.Join(p.dir, "passwd")
	bin := testsvc.LookPath(t, "mosquitto_passwd", "apt-get install mosquitto")
	for i, login := range [][2]string{{"radiogw", "gw-secret"}, {"wallmap", "map-secret"}} {
		args := []string{"-b", passwd, login[0], login[1]}
		if i == 0 {
			args = append([]string{"-c"}, args...)
		}
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("mosquitto_passwd: %v\n%s", err, out)
		}
	}
	port := testsvc.FreePort(t)
	m := testsvc.StartMosquitto(t, testsvc.MosquittoOptions{Extra: fmt.Sprintf(`allow_anonymous false
password_file %s
listener %d 127.0.0.1
cafile %s
certfile %s
keyfile %s
require_certificate true
`, passwd, port, p.caFile, p.certFile, p.keyFil)})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	testsvc.WaitTCP(t, addr, 10*time.Second)
	return m, addr
}

// The sink publishes over TLS with a client certificate and a password; a
// wrong password or a missing client certificate never gets connected, and
// the events stay in the outbox.
func TestTLSAndPassword(t *testing.T) {
	p := newPKI(t)
	_, addr := tlsMosquitto(t, p)
	clientTLS := &tls.Config{RootCAs: p.pool, Certificates: []tls.Certificate{p.client}, MinVersion: tls.VersionTLS12}

	sub := subscribeOpts(t, paho.NewClientOptions().AddBroker("ssl://"+addr).SetTLSConfig(clientTLS).
		SetUsername("wallmap").SetPassword("map-secret"), root+"/#", "")
	good := startSink(t, "ssl://"+addr, "", func(o *Options) {
		o.TLS, o.Username, o.Password = clientTLS, "radiogw", "gw-secret"
	})
	good.Write(change.Batch{Units: []avl.Change{unitChange(unitAt("2A12", 7))}, Events: []change.Event{event(1)}})
	waitFor(t, 10*time.Second, "unit state over TLS", func() bool {
		b := sub.lastOn(root + "/units/2A12")
		return b != nil && seqOf(t, b) == 7
	})
	waitFor(t, 10*time.Second, "event over TLS", func() bool { return sub.lastOn(root+"/events/ptt_start") != nil })

	noCert := clientTLS.Clone()
	noCert.Certificates = nil
	for name, mod := range map[string]func(*Options){
		"wrong password": func(o *Options) { o.TLS, o.Username, o.Password = clientTLS, "radiogw", "guess" },
		"no client cert": func(o *Options) { o.TLS, o.Username, o.Password = noCert, "radiogw", "gw-secret" },
		"plain TCP":      func(o *Options) { o.Username, o.Password = "radiogw", "gw-secret" },
	} {
		broker := "ssl://" + addr
		if name == "plain TCP" {
			broker = "tcp://" + addr
		}
		bad := startSink(t, broker, "", mod)
		bad.Write(change.Batch{Events: []change.Event{event(2)}})
		time.Sleep(1500 * time.Millisecond)
		if bad.client.IsConnectionOpen() {
			t.Errorf("%s: sink connected", name)
		}
		if n := bad.pending(t); n != 1 {
			t.Errorf("%s: %d events in the outbox, want 1 kept", name, n)
		}
		bad.stop()
	}
}
