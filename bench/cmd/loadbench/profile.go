package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// profile records where the CPU goes under proxy-1K load: perf on the
// binary (no code change needed in cmd/frontdesk; Go binaries keep frame
// pointers), runtime/pprof on the library path. Files go to o.profileDir.
func profile(o *options) error {
	dir, err := filepath.Abs(o.profileDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	w, _ := lookupLoad("proxy-1K")
	secs := strconv.Itoa(o.profileSeconds)
	d := time.Duration(o.profileSeconds) * time.Second

	// The binary, under perf.
	if _, err := exec.LookPath("perf"); err != nil {
		fmt.Fprintln(os.Stderr, "perf not found: skipping the binary's profile")
	} else {
		s, _ := lookup("binary")
		cmd, pid, err := startServer(o, s)
		if err != nil {
			return err
		}
		data := filepath.Join(dir, "binary.perf.data")
		rec := exec.Command("taskset", "-c", o.loadCPU, "perf", "record", "-q", "-F", "499", "-g", "-p", strconv.Itoa(pid), "-o", data, "--", "sleep", secs)
		rec.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := rec.Start(); err != nil {
			stop(cmd)
			return err
		}
		_, werr := runWrk(o, w, d+time.Second)
		rerr := rec.Wait()
		stop(cmd)
		if err := firstErr(werr, rerr); err != nil {
			return fmt.Errorf("profiling the binary: %w", err)
		}
		out, err := exec.Command("perf", "report", "-i", data, "--stdio", "--no-children", "-g", "none", "--sort", "symbol", "--percent-limit", "0.7").CombinedOutput()
		if err != nil {
			return fmt.Errorf("perf report: %v\n%s", err, out)
		}
		txt := filepath.Join(dir, "binary.perf.txt")
		if err := os.WriteFile(txt, out, 0o644); err != nil {
			return err
		}
		fmt.Printf("\nbinary profile: %s (perf report -i %s)\n", txt, data)
	}

	// The library, under runtime/pprof.
	prof := filepath.Join(dir, "library.cpu.pprof")
	cmd := pinned(o.serverCPU, o.self, "lib", "-addr", o.addr(), "-conf", filepath.Join(o.dir, "conf/nginx.conf"), "-prefix", o.dir+"/", "-cpuprofile", prof)
	if err := cmd.Start(); err != nil {
		return err
	}
	for _, w := range workloads {
		if err := waitHTTP("http://"+o.addr()+w.path, 10*time.Second); err != nil {
			stop(cmd)
			return err
		}
	}
	_, werr := runWrk(o, w, d)
	stop(cmd)
	if werr != nil {
		return werr
	}
	fmt.Printf("library profile: %s (go tool pprof -top %s)\n", prof, prof)
	return nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
