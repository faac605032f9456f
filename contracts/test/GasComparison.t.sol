// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ProvenanceRegistry} from "../src/ProvenanceRegistry.sol";
import {PerRecordAttestations} from "../src/PerRecordAttestations.sol";

interface VmGas {
    function prank(address) external;
    function startPrank(address) external;
    function stopPrank() external;
}

/// Gas per record: one anchored root for a batch of 10,000 records vs one attestation per record,
/// measured in the same run. The figures are printed (forge test -vv) and recorded in docs/BENCHMARKS.md.
contract GasComparisonTest {
    VmGas internal constant vm = VmGas(address(uint160(uint256(keccak256("hevm cheat code")))));
    uint256 internal constant RECORDS = 10_000;
    address internal constant ANCHORER = address(0xA11CE);

    event log_named_uint(string key, uint256 val);

    function test_anchoringABatchCostsUnderAThousandthPerRecord() public {
        ProvenanceRegistry registry = new ProvenanceRegistry(ANCHORER);
        PerRecordAttestations attestations = new PerRecordAttestations();

        // Warm the registry's storage as in steady state (a previous anchor exists).
        vm.prank(ANCHORER);
        registry.anchor(keccak256("previous root"), 1);

        vm.prank(ANCHORER);
        uint256 before = gasleft();
        registry.anchor(keccak256("root of 10,000 records"), uint64(1 + RECORDS));
        uint256 anchorGas = before - gasleft();

        vm.startPrank(ANCHORER);
        before = gasleft();
        for (uint256 i = 0; i < RECORDS; i++) {
            attestations.attest(keccak256(abi.encodePacked(i)));
        }
        uint256 perRecordTotal = before - gasleft();
        vm.stopPrank();

        emit log_named_uint("anchor: gas for one root covering 10,000 records", anchorGas);
        emit log_named_uint("anchor: gas per record (x1000)", anchorGas * 1000 / RECORDS);
        emit log_named_uint("per-record attestations: total gas for 10,000", perRecordTotal);
        emit log_named_uint("per-record attestations: gas per record", perRecordTotal / RECORDS);
        emit log_named_uint("ratio per-record / anchored", perRecordTotal / anchorGas);

        require(
            anchorGas * 1000 <= perRecordTotal,
            "anchoring must cost <= 1/1000 of per-record writes per record"
        );
    }
}
