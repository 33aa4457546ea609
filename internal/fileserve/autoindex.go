package fileserve

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Entry is one directory entry as ngx_http_autoindex_module sees it.
type Entry struct {
	// Name is the file name as raw bytes; it need not be valid UTF-8.
	Name string
	// IsDir is set for directories and symbolic links to directories.
	IsDir bool
	// Special marks an entry that is neither a directory nor a regular file
	// after following symlinks: a FIFO, socket or device, or a dangling
	// symlink. JSON and XML list it as type "other" without a size.
	Special bool
	// Size is the size in bytes (for a dangling symlink, the length of its
	// target path, which is what lstat reports and nginx shows).
	Size int64
	// ModTime is the modification time.
	ModTime time.Time
}

// Autoindex formats, the values of the autoindex_format directive.
const (
	FormatHTML  = "html"
	FormatJSON  = "json"
	FormatJSONP = "jsonp"
	FormatXML   = "xml"
)

// AutoindexOptions configure RenderAutoindex. The zero value is nginx's
// default configuration: HTML, exact sizes, UTC times.
type AutoindexOptions struct {
	// Format is autoindex_format: "html" (or ""), "json", "jsonp", "xml".
	Format string
	// Callback is the raw, still percent-encoded value of the request's
	// "callback" argument ($arg_callback), used by the jsonp format. When
	// it is empty, jsonp output is plain JSON with the JSON content type.
	Callback string
	// ApproximateSizes is "autoindex_exact_size off": HTML sizes are
	// rounded to K, M or G. (nginx's default, exact sizes, is the zero
	// value.)
	ApproximateSizes bool
	// Localtime is "autoindex_localtime on": HTML dates are shifted by the
	// UTC offset that Now's location has at Now. nginx applies the
	// offset in force at request time to every entry, so in winter a
	// summer mtime is shown an hour off; that is reproduced. JSON and XML
	// dates are always UTC.
	Localtime bool
	// Now is the request time, needed only for Localtime; the zero value
	// means time.Now().
	Now time.Time
	// UTF8 reports that the response charset is utf-8 (the charset
	// directive). nginx then measures and truncates HTML names in
	// characters instead of bytes.
	UTF8 bool
}

// ErrInvalidCallback is returned by AutoindexContentType for a jsonp
// callback longer than 128 bytes or containing anything but ASCII letters,
// digits, '_' and '.'; nginx answers 400 Bad Request.
var ErrInvalidCallback = errors.New("invalid callback name")

// effectiveFormat resolves Format and validates Callback as
// ngx_http_autoindex_jsonp_callback does.
func (o AutoindexOptions) effectiveFormat() (string, error) {
	switch o.Format {
	case "", FormatHTML:
		return FormatHTML, nil
	case FormatJSON, FormatXML:
		return o.Format, nil
	case FormatJSONP:
		if len(o.Callback) > 128 {
			return "", ErrInvalidCallback
		}
		for i := 0; i < len(o.Callback); i++ {
			c := o.Callback[i]
			l := c | 0x20
			if (l >= 'a' && l <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' {
				continue
			}
			return "", ErrInvalidCallback
		}
		if o.Callback == "" {
			return FormatJSON, nil
		}
		return FormatJSONP, nil
	}
	return "", errors.New("unknown autoindex format " + strconv.Quote(o.Format))
}

// AutoindexContentType returns the Content-Type of a listing: text/html,
// application/json, application/javascript (jsonp with a callback) or
// "text/xml; charset=utf-8" (nginx sets the XML charset itself). For HTML
// and jsonp the charset filter may still append "; charset=..." when a
// charset is configured; that is the caller's concern. The error is
// ErrInvalidCallback (answer 400, before touching the directory, as nginx
// does) or an unknown format.
func AutoindexContentType(opt AutoindexOptions) (string, error) {
	f, err := opt.effectiveFormat()
	if err != nil {
		return "", err
	}
	switch f {
	case FormatJSON:
		return "application/json", nil
	case FormatJSONP:
		return "application/javascript", nil
	case FormatXML:
		return "text/xml; charset=utf-8", nil
	}
	return "text/html", nil
}

// ReadAutoindexDir lists dir the way the autoindex handler reads it: names
// starting with '.' are skipped; each entry is stat()ed through symlinks;
// when that fails with ENOENT or ELOOP (a dangling or looping link) the link
// itself is lstat()ed; entries that cannot be stat()ed for lack of
// permission are left out. The entries are returned unsorted.
//
// An error opening dir is returned unwrapped from os.Open; nginx maps
// ENOENT, ENOTDIR and ENAMETOOLONG to 404, EACCES to 403 and anything else
// to 500.
func ReadAutoindexDir(dir string) ([]Entry, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	entries := make([]Entry, 0, len(names))
	for _, name := range names {
		if strings.HasPrefix(name, ".") {
			continue
		}
		full := filepath.Join(dir, name)
		fi, err := os.Stat(full)
		if err != nil {
			switch {
			case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ELOOP):
				fi, err = os.Lstat(full)
				if err != nil {
					return nil, err
				}
			case errors.Is(err, fs.ErrPermission):
				continue
			default:
				return nil, err
			}
		}
		entries = append(entries, Entry{
			Name:    name,
			IsDir:   fi.IsDir(),
			Special: !fi.IsDir() && !fi.Mode().IsRegular(),
			Size:    fi.Size(),
			ModTime: fi.ModTime(),
		})
	}
	return entries, nil
}

// RenderAutoindex writes the directory listing nginx 1.22.1's
// ngx_http_autoindex_module produces for entries, byte for byte. uri is the
// request's $uri (decoded, ending in '/'), used in the HTML title. Entries
// whose names start with '.' are skipped; the others are sorted directories
// first, then by name compared bytewise (strcmp). The write error, if any,
// is returned; ErrInvalidCallback is returned, with nothing written, for a
// bad jsonp callback.
//
// HTML layout: the link target is the name percent-encoded as a URI
// component (everything except letters, digits and "-._~", upper-case
// hex), with "/" appended for directories; the visible name is
// HTML-escaped (& < > " only) and cut to 50 columns: a longer name shows its
// first 47 units followed by "..&gt;", where units are bytes, or characters
// when UTF8 is set and the name is valid UTF-8 by nginx's rules. Shorter
// names get "/" for directories and are padded with spaces to 50 columns.
// Then come the date ("02-Jan-2006 15:04") and the size: exact sizes right
// aligned in 19 columns ("-" for directories), approximate ones as nginx
// rounds them (values above 9999 bytes in K, from 1 MiB in M, from 1 GiB in
// G, rounding half up on the remainder) in 7 columns, "-" for directories.
// Dates before 1970 are shown as the epoch, as nginx's ngx_gmtime clamps
// them.
func RenderAutoindex(w io.Writer, uri string, entries []Entry, opt AutoindexOptions) error {
	format, err := opt.effectiveFormat()
	if err != nil {
		return err
	}
	sorted := make([]Entry, 0, len(entries))
	for _, e := range entries {
		if !strings.HasPrefix(e.Name, ".") {
			sorted = append(sorted, e)
		}
	}
	sort.Slice(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if a.IsDir != b.IsDir {
			return a.IsDir
		}
		return a.Name < b.Name
	})

	var b []byte
	switch format {
	case FormatJSON:
		b = renderJSON(sorted, "")
	case FormatJSONP:
		b = renderJSON(sorted, opt.Callback)
	case FormatXML:
		b = renderXML(sorted)
	default:
		b = renderHTML(sorted, uri, opt)
	}
	_, err = w.Write(b)
	return err
}

// nameColumns is NGX_HTTP_AUTOINDEX_NAME_LEN.
const nameColumns = 50

var months = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func renderHTML(entries []Entry, uri string, opt AutoindexOptions) []byte {
	var offset int64
	if opt.Localtime {
		now := opt.Now
		if now.IsZero() {
			now = time.Now()
		}
		_, off := now.Zone()
		offset = int64(off/60) * 60 // nginx keeps the offset in minutes
	}

	b := make([]byte, 0, 256+len(entries)*160)
	b = append(b, "<html>\r\n<head><title>Index of "...)
	b = appendHTMLEscaped(b, uri)
	b = append(b, "</title></head>\r\n<body>\r\n<h1>Index of "...)
	b = appendHTMLEscaped(b, uri)
	b = append(b, "</h1><hr><pre><a href=\"../\">../</a>\r\n"...)

	for _, e := range entries {
		b = append(b, `<a href="`...)
		b = appendURIComponent(b, e.Name)
		if e.IsDir {
			b = append(b, '/')
		}
		b = append(b, `">`...)

		n := len(e.Name)
		if opt.UTF8 {
			n = ngxUTF8Length(e.Name)
		}
		var shown string
		switch {
		case n != len(e.Name):
			// Valid multi-byte UTF-8: cut in characters.
			limit := nameColumns
			if n > nameColumns {
				limit = nameColumns - 3
			}
			shown = ngxUTF8Prefix(e.Name, limit)
		case n > nameColumns:
			shown = e.Name[:nameColumns-3]
		default:
			shown = e.Name
		}
		b = appendHTMLEscaped(b, shown)

		if n > nameColumns {
			b = append(b, "..&gt;</a>"...)
		} else {
			if e.IsDir && nameColumns-n > 0 {
				b = append(b, '/')
				n++
			}
			b = append(b, "</a>"...)
			for i := n; i < nameColumns; i++ {
				b = append(b, ' ')
			}
		}
		b = append(b, ' ')

		y, mo, d, hh, mm, _ := ngxGmtime(e.ModTime.Unix() + offset)
		b = appendPad(b, int64(d), 2, '0')
		b = append(b, '-')
		b = append(b, months[mo-1]...)
		b = append(b, '-')
		b = strconv.AppendInt(b, int64(y), 10)
		b = append(b, ' ')
		b = appendPad(b, int64(hh), 2, '0')
		b = append(b, ':')
		b = appendPad(b, int64(mm), 2, '0')
		b = append(b, ' ')

		switch {
		case !opt.ApproximateSizes && e.IsDir:
			b = append(b, "                  -"...)
		case !opt.ApproximateSizes:
			b = appendPad(b, e.Size, 19, ' ')
		case e.IsDir:
			b = append(b, "      -"...)
		default:
			b = appendApproxSize(b, e.Size)
		}
		b = append(b, "\r\n"...)
	}
	b = append(b, "</pre><hr></body>\r\n</html>\r\n"...)
	return b
}

// appendApproxSize formats a size as autoindex_exact_size off does.
func appendApproxSize(b []byte, length int64) []byte {
	const (
		kib = 1024
		mib = 1024 * 1024
		gib = 1024 * 1024 * 1024
	)
	var size int64
	var scale byte
	switch {
	case length > gib-1:
		size = length / gib
		if length%gib > gib/2-1 {
			size++
		}
		scale = 'G'
	case length > mib-1:
		size = length / mib
		if length%mib > mib/2-1 {
			size++
		}
		scale = 'M'
	case length > 9999:
		size = length / kib
		if length%kib > 511 {
			size++
		}
		scale = 'K'
	default:
		size = length
	}
	if scale != 0 {
		b = appendPad(b, size, 6, ' ')
		return append(b, scale)
	}
	b = append(b, ' ')
	return appendPad(b, size, 6, ' ')
}

func renderJSON(entries []Entry, callback string) []byte {
	b := make([]byte, 0, 16+len(callback)+len(entries)*100)
	if callback != "" {
		b = append(b, "/* callback */\r\n"...)
		b = append(b, callback...)
		b = append(b, '(')
	}
	b = append(b, '[')
	for _, e := range entries {
		b = append(b, "\r\n{ \"name\":\""...)
		b = appendJSONEscaped(b, e.Name)
		b = append(b, "\", \"type\":\""...)
		b = append(b, entryType(e)...)
		b = append(b, "\", \"mtime\":\""...)
		b = appendHTTPTime(b, e.ModTime.Unix())
		if isFile(e) {
			b = append(b, "\", \"size\":"...)
			b = strconv.AppendInt(b, e.Size, 10)
		} else {
			b = append(b, '"')
		}
		b = append(b, " },"...)
	}
	if len(entries) > 0 {
		b = b[:len(b)-1]
	}
	b = append(b, "\r\n]"...)
	if callback != "" {
		b = append(b, ");"...)
	}
	return b
}

func renderXML(entries []Entry) []byte {
	b := make([]byte, 0, 64+len(entries)*100)
	b = append(b, "<?xml version=\"1.0\"?>\r\n<list>\r\n"...)
	for _, e := range entries {
		typ := entryType(e)
		b = append(b, '<')
		b = append(b, typ...)
		b = append(b, " mtime=\""...)
		y, mo, d, hh, mm, ss := ngxGmtime(e.ModTime.Unix())
		b = appendPad(b, int64(y), 4, ' ')
		b = append(b, '-')
		b = appendPad(b, int64(mo), 2, '0')
		b = append(b, '-')
		b = appendPad(b, int64(d), 2, '0')
		b = append(b, 'T')
		b = appendPad(b, int64(hh), 2, '0')
		b = append(b, ':')
		b = appendPad(b, int64(mm), 2, '0')
		b = append(b, ':')
		b = appendPad(b, int64(ss), 2, '0')
		b = append(b, 'Z')
		if isFile(e) {
			b = append(b, "\" size=\""...)
			b = strconv.AppendInt(b, e.Size, 10)
		}
		b = append(b, "\">"...)
		b = appendHTMLEscaped(b, e.Name)
		b = append(b, "</"...)
		b = append(b, typ...)
		b = append(b, ">\r\n"...)
	}
	b = append(b, "</list>\r\n"...)
	return b
}

func isFile(e Entry) bool { return !e.IsDir && !e.Special }

func entryType(e Entry) string {
	switch {
	case e.IsDir:
		return "directory"
	case e.Special:
		return "other"
	}
	return "file"
}

// ngxGmtime breaks Unix seconds into calendar fields in UTC as ngx_gmtime
// does, including its clamping of negative times to the epoch.
func ngxGmtime(sec int64) (year int, month time.Month, day, hour, min, s int) {
	if sec < 0 {
		sec = 0
	}
	t := time.Unix(sec, 0).UTC()
	year, month, day = t.Date()
	hour, min, s = t.Clock()
	return
}

// appendHTTPTime appends ngx_http_time's rendering of sec.
func appendHTTPTime(b []byte, sec int64) []byte {
	if sec < 0 {
		sec = 0
	}
	return time.Unix(sec, 0).UTC().AppendFormat(b, "Mon, 02 Jan 2006 15:04:05 GMT")
}

// appendPad appends n right-aligned in width columns, padded with pad, as
// ngx_sprintf's "%0Nd"/"%Nd" do (longer numbers are not cut).
func appendPad(b []byte, n int64, width int, pad byte) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], n, 10)
	for i := len(s); i < width; i++ {
		b = append(b, pad)
	}
	return append(b, s...)
}

// appendHTMLEscaped mirrors ngx_escape_html: only & < > " are replaced.
func appendHTMLEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '&':
			b = append(b, "&amp;"...)
		case '"':
			b = append(b, "&quot;"...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// appendURIComponent mirrors ngx_escape_uri(NGX_ESCAPE_URI_COMPONENT):
// every byte except ALPHA, DIGIT, "-", ".", "_" and "~" becomes %XX with
// upper-case hex.
func appendURIComponent(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') ||
			c == '-' || c == '.' || c == '_' || c == '~' {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&0xf])
	}
	return b
}

// appendJSONEscaped mirrors ngx_escape_json: '"' and '\\' get a backslash,
// control bytes below 0x20 become \n, \r, \t, \b, \f or \u00XX (upper-case
// hex); everything else, bytes >= 0x80 included, is copied.
func appendJSONEscaped(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > 0x1f {
			if c == '\\' || c == '"' {
				b = append(b, '\\')
			}
			b = append(b, c)
			continue
		}
		switch c {
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
	}
	return b
}

// ngxUTF8Decode mirrors ngx_utf8_decode for a sequence starting at s[0] >=
// 0x80. It returns the code point (values above 0x10ffff mean invalid or
// incomplete) and the number of bytes consumed.
func ngxUTF8Decode(s string) (rune uint32, size int) {
	u := uint32(s[0])
	var valid uint32
	var n int
	switch {
	case u >= 0xf0:
		u &= 0x07
		valid, n = 0xffff, 3
	case u >= 0xe0:
		u &= 0x0f
		valid, n = 0x7ff, 2
	case u >= 0xc2:
		u &= 0x1f
		valid, n = 0x7f, 1
	default:
		return 0xffffffff, 1
	}
	if len(s)-1 < n {
		return 0xfffffffe, 0
	}
	size = 1
	for ; n > 0; n-- {
		c := uint32(s[size])
		size++
		if c < 0x80 {
			return 0xffffffff, size
		}
		u = u<<6 | c&0x3f
	}
	if u > valid {
		return u, size
	}
	return 0xffffffff, size
}

// ngxUTF8Length mirrors ngx_utf8_length: the number of characters, or the
// byte length when the string is not valid UTF-8 by nginx's rules (which
// only check that continuation bytes have the high bit set).
func ngxUTF8Length(s string) int {
	n := 0
	for i := 0; i < len(s); n++ {
		if s[i] < 0x80 {
			i++
			continue
		}
		r, size := ngxUTF8Decode(s[i:])
		if r > 0x10ffff {
			return len(s)
		}
		i += size
	}
	return n
}

// ngxUTF8Prefix returns the first limit characters of s, as
// ngx_utf8_cpystrn(dst, s, limit+1, len) copies them.
func ngxUTF8Prefix(s string, limit int) string {
	i := 0
	for ; limit > 0 && i < len(s); limit-- {
		if s[i] < 0x80 {
			i++
			continue
		}
		r, size := ngxUTF8Decode(s[i:])
		if r > 0x10ffff {
			break
		}
		i += size
	}
	return s[:i]
}
