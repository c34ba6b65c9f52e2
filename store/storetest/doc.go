// Package storetest is the store contract's test suite: black-box tests of
// everything package store promises, which every backend runs against
// real databases of its own with Run. A behaviour of the store is
// specified here first, so that every backend is held to it.
//
// # Imports
//
// storetest imports the standard library, package testing, the store
// contract and the pure domain packages (sla, incident). It knows no
// backend: each backend's tests pass a Factory that makes its databases.
package storetest
