//go:build !linux

package nginxtest

import (
	"os"
	"syscall"
)

// sysProcAttr returns nil: process groups and the parent-death signal used
// on Linux are not portable, and the conformance tests run on Debian.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// killGroup kills nginx itself; see the Linux version.
func killGroup(p *os.Process) { p.Kill() }
