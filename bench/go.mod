module github.com/frontdesk-go/frontdesk/bench

go 1.26.0

require github.com/frontdesk-go/frontdesk v0.0.0

require (
	github.com/dlclark/regexp2 v1.12.0 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/text v0.43.0 // indirect
)

replace github.com/frontdesk-go/frontdesk => ../
