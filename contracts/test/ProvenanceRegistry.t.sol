// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ProvenanceRegistry} from "../src/ProvenanceRegistry.sol";

/// Minimal cheatcode interface (no forge-std: it cannot be fetched offline).
interface Vm {
    function prank(address) external;
    function expectRevert(bytes calldata) external;
    function expectEmit(bool, bool, bool, bool) external;
    function assume(bool) external;
}

contract ProvenanceRegistryTest {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    event Anchored(
        bytes32 indexed root, uint64 indexed treeSize, uint64 previousSize, address indexed anchorer
    );

    ProvenanceRegistry internal registry;
    address internal constant ANCHORER = address(0xA11CE);
    address internal constant STRANGER = address(0xBAD);

    function setUp() public {
        registry = new ProvenanceRegistry(ANCHORER);
    }

    function test_deployerOwnsAndInitialAnchorerIsAuthorized() public view {
        require(registry.owner() == address(this), "owner");
        require(registry.isAnchorer(ANCHORER), "anchorer");
        require(!registry.isAnchorer(STRANGER), "stranger");
        (bytes32 root, uint64 size) = registry.latest();
        require(root == bytes32(0) && size == 0, "empty");
    }

    function test_anchorRecordsRootAndEmits() public {
        vm.expectEmit(true, true, true, true);
        emit Anchored(bytes32(uint256(1)), 10, 0, ANCHORER);
        vm.prank(ANCHORER);
        registry.anchor(bytes32(uint256(1)), 10);

        vm.expectEmit(true, true, true, true);
        emit Anchored(bytes32(uint256(2)), 25, 10, ANCHORER);
        vm.prank(ANCHORER);
        registry.anchor(bytes32(uint256(2)), 25);

        require(registry.rootFor(10) == bytes32(uint256(1)), "root 10");
        require(registry.rootFor(25) == bytes32(uint256(2)), "root 25");
        require(registry.rootFor(11) == bytes32(0), "never anchored");
        (bytes32 root, uint64 size) = registry.latest();
        require(root == bytes32(uint256(2)) && size == 25, "latest");
        require(registry.anchorCount() == 2, "count");
    }

    function test_rejectsUnauthorizedCaller() public {
        vm.expectRevert(abi.encodeWithSelector(ProvenanceRegistry.NotAnchorer.selector, STRANGER));
        vm.prank(STRANGER);
        registry.anchor(bytes32(uint256(1)), 1);
    }

    function test_rejectsZeroRoot() public {
        vm.expectRevert(abi.encodeWithSelector(ProvenanceRegistry.ZeroRoot.selector));
        vm.prank(ANCHORER);
        registry.anchor(bytes32(0), 1);
    }

    function test_rejectsSameOrSmallerSize() public {
        vm.prank(ANCHORER);
        registry.anchor(bytes32(uint256(1)), 5);
        vm.expectRevert(
            abi.encodeWithSelector(ProvenanceRegistry.SizeNotIncreasing.selector, uint64(5), uint64(5))
        );
        vm.prank(ANCHORER);
        registry.anchor(bytes32(uint256(2)), 5);
        vm.expectRevert(
            abi.encodeWithSelector(ProvenanceRegistry.SizeNotIncreasing.selector, uint64(5), uint64(4))
        );
        vm.prank(ANCHORER);
        registry.anchor(bytes32(uint256(2)), 4);
    }

    function test_onlyOwnerManagesAnchorers() public {
        vm.expectRevert(abi.encodeWithSelector(ProvenanceRegistry.NotOwner.selector, STRANGER));
        vm.prank(STRANGER);
        registry.setAnchorer(STRANGER, true);

        registry.setAnchorer(STRANGER, true);
        vm.prank(STRANGER);
        registry.anchor(bytes32(uint256(7)), 1);

        registry.setAnchorer(STRANGER, false);
        vm.expectRevert(abi.encodeWithSelector(ProvenanceRegistry.NotAnchorer.selector, STRANGER));
        vm.prank(STRANGER);
        registry.anchor(bytes32(uint256(8)), 2);
    }

    function test_ownershipTransfer() public {
        registry.transferOwnership(STRANGER);
        require(registry.owner() == STRANGER, "new owner");
        vm.expectRevert(abi.encodeWithSelector(ProvenanceRegistry.NotOwner.selector, address(this)));
        registry.setAnchorer(address(this), true);
        vm.expectRevert(abi.encodeWithSelector(ProvenanceRegistry.ZeroAddress.selector));
        vm.prank(STRANGER);
        registry.transferOwnership(address(0));
    }

    function testFuzz_sizesMustStrictlyIncrease(bytes32 rootA, bytes32 rootB, uint64 first, uint64 second)
        public
    {
        vm.assume(rootA != bytes32(0) && rootB != bytes32(0) && first > 0);
        vm.prank(ANCHORER);
        registry.anchor(rootA, first);
        if (second <= first) {
            vm.expectRevert(
                abi.encodeWithSelector(ProvenanceRegistry.SizeNotIncreasing.selector, first, second)
            );
            vm.prank(ANCHORER);
            registry.anchor(rootB, second);
            require(registry.latestSize() == first, "unchanged");
        } else {
            vm.prank(ANCHORER);
            registry.anchor(rootB, second);
            require(registry.latestSize() == second, "advanced");
            require(registry.rootFor(first) == rootA && registry.rootFor(second) == rootB, "both kept");
        }
    }
}
