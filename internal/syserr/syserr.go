// Package syserr renders a failed system call's error as nginx logs it:
// the errno and strerror's text, "2: No such file or directory".
package syserr

import (
	"errors"
	"io/fs"
	"strconv"
	"strings"
	"syscall"
)

// Text renders err as nginx renders errno, with glibc's wording (nginx gets
// it from strerror); an error that carries no errno is its own text.
func Text(err error) string {
	var errno syscall.Errno
	switch {
	case errors.As(err, &errno):
	case errors.Is(err, fs.ErrNotExist):
		errno = syscall.ENOENT
	case errors.Is(err, fs.ErrPermission):
		errno = syscall.EACCES
	default:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return err.Error()
	}
	text, ok := strerror[errno]
	if !ok {
		// Go's texts are glibc's in lower case.
		text = errno.Error()
		if text != "" {
			text = strings.ToUpper(text[:1]) + text[1:]
		}
	}
	return strconv.Itoa(int(errno)) + ": " + text
}

// strerror holds glibc's texts where they differ from Go's lower-case
// ones by more than the first letter.
var strerror = map[syscall.Errno]string{
	syscall.ENOENT:       "No such file or directory",
	syscall.EACCES:       "Permission denied",
	syscall.EISDIR:       "Is a directory",
	syscall.ENOTDIR:      "Not a directory",
	syscall.ELOOP:        "Too many levels of symbolic links",
	syscall.ENAMETOOLONG: "File name too long",
	syscall.EMFILE:       "Too many open files",
	syscall.EINVAL:       "Invalid argument",
	syscall.EIO:          "Input/output error",
}

// Quote is Text in parentheses, as nginx writes it after the failed call:
// `connect() failed (111: Connection refused)`.
func Quote(err error) string {
	return "(" + Text(err) + ")"
}
