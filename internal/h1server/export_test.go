package h1server

import "time"

// SetParking makes s park a connection idle for grace, and call parked
// when one has parked.
func SetParking(s *Server, grace time.Duration, parked func()) {
	s.grace, s.onParked = grace, parked
}
