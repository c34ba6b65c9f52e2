// Package slacase reads SLA cases — one policy, one period, a fee and the
// facts — from YAML or JSON into sla types, strictly: unknown fields, duplicate
// keys, numbers that are not exact decimals and values the engine would ignore
// are all refused with the field path and position of the culprit.
//
// It is the parsing half of `slate calc`; the configuration loader uses
// DecodePolicy for the policies of contracts. The arithmetic stays in sla,
// which imports no parser.
//
// Allowed imports: the standard library, sla, internal/ynode.
package slacase
