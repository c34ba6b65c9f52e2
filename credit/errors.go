package credit

import "errors"

// ContractError is the failure of one contract's figures: its evidence
// could not be read, its case not evaluated, its close not recorded. The
// jobs that compute every contract go on past it, and report each with
// its contract, so that one bad row stops one contract and says which.
type ContractError struct {
	Contract string
	Err      error // names the contract in its text
}

func (e *ContractError) Error() string { return e.Err.Error() }
func (e *ContractError) Unwrap() error { return e.Err }

// failed is err as the failure of contract.
func failed(contract string, err error) error {
	if err == nil {
		return nil
	}
	return &ContractError{Contract: contract, Err: err}
}

// FailedContracts are the contracts whose ContractErrors err holds
// (joined, or wrapped), each with its first error.
func FailedContracts(err error) map[string]error {
	out := map[string]error{}
	var walk func(error)
	walk = func(err error) {
		var ce *ContractError
		switch e := err.(type) {
		case nil:
		case interface{ Unwrap() []error }:
			for _, x := range e.Unwrap() {
				walk(x)
			}
		default:
			if errors.As(err, &ce) {
				if _, seen := out[ce.Contract]; !seen {
					out[ce.Contract] = ce.Err
				}
			}
		}
	}
	walk(err)
	return out
}
