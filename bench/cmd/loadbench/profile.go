package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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
	d := time.Duration(o.profileSeconds) * time.Second

	// The binary, under perf.
	if txt, _, err := perfProfile(o, w, d, filepath.Join(dir, "binary")); err != nil {
		return err
	} else if txt != "" {
		fmt.Printf("\nbinary profile: %s (perf report -i %s)\n", txt, filepath.Join(dir, "binary.perf.data"))
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

// perfProfile records the binary, started on the current nginx.conf,
// with perf for d of steady load w (see measureSteady), into
// base+".perf.data"; writes the report, flat by symbol, to
// base+".perf.txt", whose name it returns ("" when perf is not
// installed), with the CPU per request meanwhile.
func perfProfile(o *options, w workload, d time.Duration, base string) (string, time.Duration, error) {
	if _, err := exec.LookPath("perf"); err != nil {
		fmt.Fprintln(os.Stderr, "perf not found: skipping the binary's profile")
		return "", 0, nil
	}
	s, _ := lookup("binary")
	cmd, pid, err := startServer(o, s)
	if err != nil {
		return "", 0, err
	}
	defer stop(cmd)
	data := base + ".perf.data"
	secs := strconv.Itoa(max(1, int(d.Round(time.Second)/time.Second)))
	res, err := measureSteady(o, pid, w, d, func() error {
		rec := track(exec.Command("taskset", "-c", o.loadCPU, "perf", "record", "-q", "-F", "499", "-g", "-p", strconv.Itoa(pid), "-o", data, "--", "sleep", secs))
		if err := rec.Start(); err != nil {
			return err
		}
		return rec.Wait()
	})
	if err != nil {
		return "", 0, fmt.Errorf("profiling the binary: %w", err)
	}
	out, err := exec.Command("perf", "report", "-i", data, "--stdio", "--no-children", "-g", "none", "--sort", "symbol", "--percent-limit", "0.7").CombinedOutput()
	if err != nil {
		return "", 0, fmt.Errorf("perf report: %v\n%s", err, out)
	}
	txt := base + ".perf.txt"
	if err := os.WriteFile(txt, out, 0o644); err != nil {
		return "", 0, err
	}
	return txt, res.cpuPerReq, nil
}

// perfShares is each symbol's share of the samples in a perf.data file
// (self time, 0.01 = 1 %).
func perfShares(data string) (map[string]float64, error) {
	out, err := exec.Command("perf", "report", "-i", data, "--stdio", "--no-children", "-g", "none", "--sort", "symbol").Output()
	if err != nil {
		return nil, fmt.Errorf("perf report -i %s: %w", data, err)
	}
	shares := map[string]float64{}
	for _, line := range strings.Split(string(out), "\n") {
		// "    11.50%  [k] _raw_spin_unlock_irqrestore"
		pct, sym, ok := strings.Cut(strings.TrimSpace(line), "%")
		if !ok || strings.HasPrefix(pct, "#") {
			continue
		}
		v, err := strconv.ParseFloat(pct, 64)
		if err != nil {
			continue
		}
		shares[strings.TrimRight(strings.TrimSpace(sym), " -")] += v / 100
	}
	return shares, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
