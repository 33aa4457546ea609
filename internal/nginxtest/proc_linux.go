package nginxtest

import (
	"os"
	"syscall"
)

// sysProcAttr puts nginx in its own process group, so that killGroup also
// reaches any worker processes (should a configuration turn master_process
// back on), and asks the kernel to SIGKILL nginx if the test binary dies
// without running its cleanups (a panic, a -timeout, a SIGKILL), so that no
// nginx outlives its test.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killGroup sends SIGKILL to the process group led by p. Only called while p
// has not been waited for, so its pid (and group id) cannot have been reused.
func killGroup(p *os.Process) {
	if err := syscall.Kill(-p.Pid, syscall.SIGKILL); err != nil {
		p.Kill()
	}
}
