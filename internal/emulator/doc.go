// Package emulator owns continuo-emu, the emulated head unit: an MPRIS2
// media player (root, Player and TrackList interfaces) on D-Bus that plays
// silently over a virtual clock, and the runner of scripted drives that asks
// continuod for music, presses the driver's buttons and writes a transcript
// (and optionally a plot) of what played and why.
//
// It deliberately does not import internal/mpris: the daemon's MPRIS client
// is tested against this independent implementation of the spec.
package emulator
