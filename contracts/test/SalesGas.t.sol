// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ColophonSales} from "../src/ColophonSales.sol";
import {SalesFixture} from "./ColophonSales.t.sol";
import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

/// The peer: the token-per-edition approach (Zora, Manifold). Each sale checks a server-signed
/// claim as Manifold does, mints one OpenZeppelin ERC-1155 token to the buyer and credits the
/// seller's balance for a later withdrawal as Zora does; a resale moves the token and credits
/// seller and royalty. Everything Colophon's contract does, plus the token.
contract MintPerEdition is ERC1155, EIP712 {
    bytes32 internal constant CLAIM_TYPEHASH = keccak256(
        "Claim(bytes32 orderId,uint256 tokenId,address buyer,address payee,uint256 amount,uint256 platformFee,uint256 royalty,uint64 deadline)"
    );

    struct Claim {
        bytes32 orderId;
        uint256 tokenId;
        address buyer;
        address payee;
        uint256 amount;
        uint256 platformFee;
        uint256 royalty;
        uint64 deadline;
    }

    address internal immutable signer;
    address internal immutable fees;
    address internal immutable creator;
    mapping(bytes32 => bool) public used;
    mapping(address => uint256) public owed;

    constructor(address s, address f, address c) ERC1155("") EIP712("Peer", "1") {
        signer = s;
        fees = f;
        creator = c;
    }

    function digest(Claim calldata c) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(CLAIM_TYPEHASH, c)));
    }

    function purchase(Claim calldata c, bytes calldata sig) external payable {
        _check(c, sig);
        _mint(c.buyer, c.tokenId, 1, "");
    }

    function resell(Claim calldata c, bytes calldata sig, address seller) external payable {
        _check(c, sig);
        _safeTransferFrom(seller, c.buyer, c.tokenId, 1, "");
    }

    function _check(Claim calldata c, bytes calldata sig) internal {
        require(block.timestamp <= c.deadline && !used[c.orderId] && msg.value == c.amount, "claim");
        require(ECDSA.recover(digest(c), sig) == signer, "signer");
        used[c.orderId] = true;
        owed[c.payee] += c.amount - c.platformFee - c.royalty;
        if (c.royalty != 0) owed[creator] += c.royalty;
        owed[fees] += c.platformFee;
    }
}

/// Gas per primary sale and per resale: Colophon's ledger-backed sales contract against minting
/// (and transferring) one ERC-1155 token per edition, in the same run. Printed with -vv and recorded
/// in docs/BENCHMARKS.md; `make bench` reads these lines.
contract SalesGasTest is SalesFixture {
    event log_named_uint(string key, uint256 val);

    MintPerEdition internal peer;

    function setUp() public {
        setUpSales();
        peer = new MintPerEdition(signer, FEES, CREATOR);
        vm.prank(signer);
        sales.setRoyalty(7, CREATOR, 500);
    }

    function peerClaim(bytes32 orderId, uint256 tokenId, address payee, uint256 royalty)
        internal
        view
        returns (MintPerEdition.Claim memory c, bytes memory sig)
    {
        c = MintPerEdition.Claim(
            orderId, tokenId, buyer, payee, 1 ether, 0.05 ether, royalty, uint64(block.timestamp + 900)
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(SIGNER_KEY, peer.digest(c));
        sig = abi.encodePacked(r, s, v);
    }

    function test_gasPerSaleAgainstMintingATokenPerEdition() public {
        // Steady state: each side has sold before (warm fee and creator balances).
        payEth(quote("warm", address(0), 1 ether, 0.05 ether));
        (MintPerEdition.Claim memory w, bytes memory wsig) = peerClaim("warm", 1, CREATOR, 0);
        vm.prank(buyer);
        peer.purchase{value: 1 ether}(w, wsig);

        // Primary sale of edition #2.
        ColophonSales.Quote memory q = quote("primary", address(0), 1 ether, 0.05 ether);
        bytes memory sig = signQuote(q, SIGNER_KEY);
        vm.prank(buyer);
        uint256 before = gasleft();
        sales.pay{value: 1 ether}(q, sig);
        uint256 colophonPrimary = before - gasleft();

        (MintPerEdition.Claim memory c, bytes memory csig) = peerClaim("primary", 2, CREATOR, 0);
        vm.prank(buyer);
        before = gasleft();
        peer.purchase{value: 1 ether}(c, csig);
        uint256 peerPrimary = before - gasleft();

        // The buyer of #1 resells it; royalty 5 % to the creator.
        address collector = address(0xC011);
        vm.deal(collector, 10 ether);
        ColophonSales.Quote memory r = quote("resale", address(0), 1 ether, 0.05 ether);
        r.kind = 1;
        r.buyer = collector;
        r.payee = buyer;
        r.royaltyReceiver = CREATOR;
        r.royalty = 0.05 ether;
        bytes memory rsig = signQuote(r, SIGNER_KEY);
        vm.prank(collector);
        before = gasleft();
        sales.pay{value: 1 ether}(r, rsig);
        uint256 colophonResale = before - gasleft();

        vm.prank(buyer);
        peer.setApprovalForAll(address(peer), true);
        (MintPerEdition.Claim memory pr, bytes memory prsig) = peerClaim("resale", 1, buyer, 0.05 ether);
        pr.buyer = collector;
        (uint8 v, bytes32 rr, bytes32 ss) = vm.sign(SIGNER_KEY, peer.digest(pr));
        prsig = abi.encodePacked(rr, ss, v);
        vm.prank(collector);
        before = gasleft();
        peer.resell{value: 1 ether}(pr, prsig, buyer);
        uint256 peerResale = before - gasleft();

        emit log_named_uint("colophon: gas per primary sale", colophonPrimary);
        emit log_named_uint("erc1155 mint per edition: gas per primary sale", peerPrimary);
        emit log_named_uint("colophon: gas per resale", colophonResale);
        emit log_named_uint("erc1155 transfer: gas per resale", peerResale);
        require(peer.balanceOf(collector, 1) == 1 && peer.balanceOf(buyer, 2) == 1, "peer did its work");
        require(sales.owed(buyer, address(0)) == 0.9 ether, "colophon did its work");
    }
}
