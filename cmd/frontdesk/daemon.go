package main

// "daemon on": the process re-executes itself, detached in a new session,
// handing over the sockets it has bound. Go cannot fork(2) a running
// process as nginx's ngx_daemon does; re-executing with the sockets keeps
// nginx's order of events: configuration and bind errors are reported in
// the foreground, and the started process exits 0 only once the sockets
// exist.

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// listenersEnv tells a re-executed daemon which inherited descriptor
// (3, 4, …) is which listen address, one address per line.
const listenersEnv = "FRONTDESK_DAEMON_LISTENERS"

// daemonize starts the detached copy of this process with the listeners.
func daemonize(addrs []string, listeners map[string]net.Listener) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("daemon: %v", err)
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env = append(os.Environ(), listenersEnv+"="+strings.Join(addrs, "\n"))
	for _, a := range addrs {
		f, err := listeners[a].(interface{ File() (*os.File, error) }).File()
		if err != nil {
			return fmt.Errorf("daemon: %v", err)
		}
		defer f.Close()
		cmd.ExtraFiles = append(cmd.ExtraFiles, f)
	}
	// Standard streams are /dev/null (exec's default for nil), as nginx
	// points them at /dev/null once it has detached.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("daemon: %v", err)
	}
	return cmd.Process.Release()
}

// inheritedListeners returns the sockets a daemonizing parent handed
// over, by address; nil when this process was not started that way.
func inheritedListeners() map[string]net.Listener {
	v, ok := os.LookupEnv(listenersEnv)
	if !ok {
		return nil
	}
	// Only this process inherited the sockets; anything it starts must
	// not believe it did.
	os.Unsetenv(listenersEnv)
	out := map[string]net.Listener{}
	for i, a := range strings.Split(v, "\n") {
		f := os.NewFile(uintptr(3+i), a)
		l, err := net.FileListener(f)
		f.Close()
		if err == nil {
			out[a] = l
		}
	}
	return out
}
