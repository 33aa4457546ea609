module github.com/frontdesk-go/frontdesk

go 1.26
