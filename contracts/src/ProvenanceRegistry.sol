// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title ProvenanceRegistry
/// @notice Anchors the roots of Colophon's append-only Merkle log (RFC 9162) on-chain, so that nobody,
///         including Colophon, can rewrite the log's history unnoticed. One transaction commits a whole
///         batch of records: the root of the log at `treeSize` leaves.
/// @dev Tree sizes strictly increase. Only addresses the owner authorizes may anchor.
contract ProvenanceRegistry {
    /// @notice The account that manages anchorers and ownership.
    address public owner;
    /// @notice Addresses allowed to call `anchor`.
    mapping(address => bool) public isAnchorer;
    /// @notice The largest tree size anchored so far (0 before the first anchor).
    uint64 public latestSize;
    /// @notice Number of anchors recorded.
    uint64 public anchorCount;

    mapping(uint64 treeSize => bytes32 root) private rootOf;

    /// @notice A log root was anchored.
    event Anchored(
        bytes32 indexed root, uint64 indexed treeSize, uint64 previousSize, address indexed anchorer
    );
    /// @notice An anchorer was authorized (`allowed`) or removed.
    event AnchorerSet(address indexed anchorer, bool allowed);
    /// @notice Ownership moved.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error NotOwner(address caller);
    error NotAnchorer(address caller);
    error ZeroRoot();
    error ZeroAddress();
    error SizeNotIncreasing(uint64 latestSize, uint64 treeSize);

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    /// @param initialAnchorer An address allowed to anchor from the start (the deployer's service key).
    constructor(address initialAnchorer) {
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
        if (initialAnchorer != address(0)) {
            isAnchorer[initialAnchorer] = true;
            emit AnchorerSet(initialAnchorer, true);
        }
    }

    /// @notice Records `root` as the log's root at `treeSize` leaves.
    function anchor(bytes32 root, uint64 treeSize) external {
        if (!isAnchorer[msg.sender]) revert NotAnchorer(msg.sender);
        if (root == bytes32(0)) revert ZeroRoot();
        uint64 previous = latestSize;
        if (treeSize <= previous) revert SizeNotIncreasing(previous, treeSize);
        rootOf[treeSize] = root;
        latestSize = treeSize;
        unchecked {
            anchorCount += 1;
        }
        emit Anchored(root, treeSize, previous, msg.sender);
    }

    /// @notice The root anchored for exactly `treeSize` leaves, or zero if that size was never anchored.
    function rootFor(uint64 treeSize) external view returns (bytes32) {
        return rootOf[treeSize];
    }

    /// @notice The most recent anchor (zero root and size before the first one).
    function latest() external view returns (bytes32 root, uint64 treeSize) {
        treeSize = latestSize;
        root = rootOf[treeSize];
    }

    /// @notice Authorizes or removes an anchorer.
    function setAnchorer(address anchorer, bool allowed) external onlyOwner {
        if (anchorer == address(0)) revert ZeroAddress();
        isAnchorer[anchorer] = allowed;
        emit AnchorerSet(anchorer, allowed);
    }

    /// @notice Hands ownership to `newOwner`.
    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }
}
