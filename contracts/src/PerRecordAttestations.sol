// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title PerRecordAttestations
/// @notice The peer for the gas comparison, not part of Colophon: an EAS-style registry that writes one
///         attestation per record (attester, time, record hash) and emits an event for each. It stores less
///         than EAS itself does (EAS keeps ~10 fields per attestation), so comparing against it understates
///         how much batching into one anchored root saves.
contract PerRecordAttestations {
    struct Attestation {
        address attester;
        uint64 time;
        bytes32 record;
    }

    mapping(bytes32 uid => Attestation) public attestations;
    uint256 public count;

    event Attested(bytes32 indexed uid, bytes32 indexed record, address indexed attester);

    function attest(bytes32 record) external returns (bytes32 uid) {
        uid = keccak256(abi.encodePacked(record, msg.sender, count));
        attestations[uid] = Attestation({attester: msg.sender, time: uint64(block.timestamp), record: record});
        unchecked {
            count += 1;
        }
        emit Attested(uid, record, msg.sender);
    }
}
