// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

/// @title Colophon sales: quoted payments, pull payouts, enforced resale royalties.
/// @notice The server quotes each order as EIP-712 typed data signed by its sales-signer key. The buyer
/// pays the quote from their own wallet, in native ETH or an allowed ERC-20; the contract checks the
/// quote and credits the seller's, the creator's (resales) and the platform's shares to balances that
/// each party withdraws. One `Paid` event per order: the server issues the edition only once that
/// event has its confirmations. Every wei and token unit the contract holds is owed to someone:
/// `balance == totalOwed` for each token, always.
/// @dev Pull payments (no transfer to a seller can block a sale), checks-effects-interactions and a
/// reentrancy guard on every function that moves value. docs/FORMATS.md §14 specifies the quote.
contract ColophonSales is EIP712, Ownable2Step, ReentrancyGuard {
    using SafeERC20 for IERC20;

    /// @notice A primary sale: the creator sells; no royalty.
    uint8 public constant PRIMARY = 0;
    /// @notice A resale: an owner sells an edition; the listing's royalty goes to its creator.
    uint8 public constant RESALE = 1;
    /// @notice The highest royalty a listing may carry: 10 % (basis points).
    uint16 public constant MAX_ROYALTY_BPS = 1000;
    /// @notice The highest platform fee a quote may carry: 20 % (basis points).
    uint16 public constant MAX_FEE_BPS = 2000;

    /// @notice The quote the buyer pays. `amount` is everything the buyer pays, in the token's
    /// smallest unit (wei for ETH, `token == address(0)`); the seller (`payee`) is credited
    /// `amount - platformFee - royalty`.
    struct Quote {
        bytes32 orderId;
        uint256 listingId;
        uint8 kind;
        address buyer;
        address payee;
        address token;
        uint256 amount;
        uint256 platformFee;
        address royaltyReceiver;
        uint256 royalty;
        uint64 deadline;
    }

    bytes32 public constant QUOTE_TYPEHASH = keccak256(
        "Quote(bytes32 orderId,uint256 listingId,uint8 kind,address buyer,address payee,address token,uint256 amount,uint256 platformFee,address royaltyReceiver,uint256 royalty,uint64 deadline)"
    );

    struct Royalty {
        address receiver;
        uint16 bps;
    }

    /// @notice The key whose signature makes a quote payable.
    address public salesSigner;
    /// @notice Where platform fees are credited.
    address public feeRecipient;
    /// @notice ERC-20s a quote may name (native ETH is always accepted).
    mapping(address token => bool) public allowedToken;
    /// @notice Order ids already paid: each pays at most once.
    mapping(bytes32 orderId => bool) public paid;
    /// @notice What the contract owes each account, per token (`address(0)`: ETH).
    mapping(address account => mapping(address token => uint256)) public owed;
    /// @notice The sum of `owed` per token: equals the contract's balance of it.
    mapping(address token => uint256) public totalOwed;
    mapping(uint256 listingId => Royalty) internal royalties;

    event Paid(
        bytes32 indexed orderId,
        uint256 indexed listingId,
        address indexed buyer,
        uint8 kind,
        address token,
        uint256 amount,
        address payee,
        uint256 payeeShare,
        address royaltyReceiver,
        uint256 royalty,
        uint256 platformFee
    );
    event Withdrawn(address indexed account, address indexed token, uint256 amount);
    event RoyaltySet(uint256 indexed listingId, address receiver, uint16 bps);
    event SalesSignerChanged(address signer);
    event FeeRecipientChanged(address recipient);
    event TokenAllowed(address indexed token, bool allowed);

    error QuoteExpired(uint64 deadline);
    error OrderAlreadyPaid(bytes32 orderId);
    error BadSignature();
    error NotTheBuyer(address caller, address buyer);
    error WrongAmount(uint256 sent, uint256 quoted);
    error TokenNotAllowed(address token);
    error SharesExceedAmount();
    error FeeTooHigh(uint256 fee, uint256 amount);
    error UnknownKind(uint8 kind);
    error RoyaltyMismatch(address receiver, uint256 royalty);
    error RoyaltyTooHigh(uint16 bps);
    error NothingOwed();
    error TransferShortfall(uint256 received, uint256 quoted);
    error EthTransferFailed();
    error ZeroAddress();
    error NotSigner();

    constructor(address initialOwner, address signer, address fees)
        EIP712("Colophon Sales", "1")
        Ownable(initialOwner)
    {
        if (signer == address(0) || fees == address(0)) revert ZeroAddress();
        salesSigner = signer;
        feeRecipient = fees;
        emit SalesSignerChanged(signer);
        emit FeeRecipientChanged(fees);
    }

    /// @notice Pays a quote in ETH (`msg.value == q.amount`) or in an allowed ERC-20 the buyer has
    /// approved (`msg.value == 0`).
    function pay(Quote calldata q, bytes calldata signature) external payable nonReentrant {
        _pay(q, signature);
    }

    /// @notice Pays a quote in an EIP-2612 token with a permit signature instead of a separate
    /// approve. A permit already used (front-run) is tolerated when the allowance is there.
    function payWithPermit(
        Quote calldata q,
        bytes calldata signature,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external nonReentrant {
        if (q.token == address(0)) revert TokenNotAllowed(q.token);
        try IERC20Permit(q.token).permit(q.buyer, address(this), q.amount, permitDeadline, v, r, s) {}
            catch {}
        _pay(q, signature);
    }

    /// @notice Sends the caller everything they are owed in `token`.
    function withdraw(address token) external nonReentrant {
        uint256 amount = owed[msg.sender][token];
        if (amount == 0) revert NothingOwed();
        owed[msg.sender][token] = 0;
        totalOwed[token] -= amount;
        emit Withdrawn(msg.sender, token, amount);
        if (token == address(0)) {
            (bool ok,) = msg.sender.call{value: amount}("");
            if (!ok) revert EthTransferFailed();
        } else {
            IERC20(token).safeTransfer(msg.sender, amount);
        }
    }

    /// @notice EIP-2981-style: who is owed what on a resale of `listingId` at `salePrice`.
    function royaltyInfo(uint256 listingId, uint256 salePrice)
        external
        view
        returns (address receiver, uint256 royaltyAmount)
    {
        Royalty memory r = royalties[listingId];
        return (r.receiver, salePrice * r.bps / 10_000);
    }

    /// @notice The EIP-712 digest the sales signer signs for `q`.
    function quoteDigest(Quote calldata q) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(QUOTE_TYPEHASH, q)));
    }

    /// @notice Sets a listing's resale royalty (the sales signer, as the creator set it; capped).
    function setRoyalty(uint256 listingId, address receiver, uint16 bps) external {
        if (msg.sender != salesSigner && msg.sender != owner()) revert NotSigner();
        if (bps > MAX_ROYALTY_BPS) revert RoyaltyTooHigh(bps);
        if (receiver == address(0) && bps != 0) revert ZeroAddress();
        royalties[listingId] = Royalty(receiver, bps);
        emit RoyaltySet(listingId, receiver, bps);
    }

    function setSalesSigner(address signer) external onlyOwner {
        if (signer == address(0)) revert ZeroAddress();
        salesSigner = signer;
        emit SalesSignerChanged(signer);
    }

    function setFeeRecipient(address recipient) external onlyOwner {
        if (recipient == address(0)) revert ZeroAddress();
        feeRecipient = recipient;
        emit FeeRecipientChanged(recipient);
    }

    function setTokenAllowed(address token, bool allowed) external onlyOwner {
        if (token == address(0)) revert ZeroAddress();
        allowedToken[token] = allowed;
        emit TokenAllowed(token, allowed);
    }

    function _emitPaid(Quote calldata q, uint256 payeeShare) private {
        emit Paid(
            q.orderId,
            q.listingId,
            q.buyer,
            q.kind,
            q.token,
            q.amount,
            q.payee,
            payeeShare,
            q.royaltyReceiver,
            q.royalty,
            q.platformFee
        );
    }

    function _pay(Quote calldata q, bytes calldata signature) internal {
        // Checks.
        if (block.timestamp > q.deadline) revert QuoteExpired(q.deadline);
        if (paid[q.orderId]) revert OrderAlreadyPaid(q.orderId);
        if (msg.sender != q.buyer) revert NotTheBuyer(msg.sender, q.buyer);
        if (q.payee == address(0)) revert ZeroAddress();
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(quoteDigest(q), signature);
        if (err != ECDSA.RecoverError.NoError || signer != salesSigner) revert BadSignature();
        if (q.platformFee > q.amount * MAX_FEE_BPS / 10_000) revert FeeTooHigh(q.platformFee, q.amount);
        if (q.kind == PRIMARY) {
            if (q.royalty != 0 || q.royaltyReceiver != address(0)) {
                revert RoyaltyMismatch(q.royaltyReceiver, q.royalty);
            }
        } else if (q.kind == RESALE) {
            Royalty memory r = royalties[q.listingId];
            if (q.royaltyReceiver != r.receiver || q.royalty != q.amount * r.bps / 10_000) {
                revert RoyaltyMismatch(q.royaltyReceiver, q.royalty);
            }
        } else {
            revert UnknownKind(q.kind);
        }
        if (q.platformFee + q.royalty > q.amount) revert SharesExceedAmount();
        if (q.token == address(0)) {
            if (msg.value != q.amount) revert WrongAmount(msg.value, q.amount);
        } else {
            if (!allowedToken[q.token]) revert TokenNotAllowed(q.token);
            if (msg.value != 0) revert WrongAmount(msg.value, 0);
        }

        // Effects.
        paid[q.orderId] = true;
        uint256 payeeShare = q.amount - q.platformFee - q.royalty;
        owed[q.payee][q.token] += payeeShare;
        if (q.royalty != 0) owed[q.royaltyReceiver][q.token] += q.royalty;
        if (q.platformFee != 0) owed[feeRecipient][q.token] += q.platformFee;
        totalOwed[q.token] += q.amount;
        _emitPaid(q, payeeShare);

        // Interactions: pull the tokens, and refuse a token that delivers less than it was asked to.
        if (q.token != address(0)) {
            IERC20 token = IERC20(q.token);
            uint256 before = token.balanceOf(address(this));
            token.safeTransferFrom(q.buyer, address(this), q.amount);
            uint256 received = token.balanceOf(address(this)) - before;
            if (received != q.amount) revert TransferShortfall(received, q.amount);
        }
    }
}
