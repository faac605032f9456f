// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ColophonSales} from "../src/ColophonSales.sol";
import {DemoUSD} from "../src/DemoUSD.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// Cheatcodes used here (no forge-std: it cannot be fetched offline).
interface Vm {
    function prank(address) external;
    function startPrank(address) external;
    function stopPrank() external;
    function deal(address, uint256) external;
    function warp(uint256) external;
    function expectRevert(bytes calldata) external;
    function expectRevert(bytes4) external;
    function expectRevert() external;
    function expectEmit(bool, bool, bool, bool) external;
    function assume(bool) external;
    function addr(uint256) external pure returns (address);
    function sign(uint256, bytes32) external pure returns (uint8, bytes32, bytes32);
}

abstract contract SalesFixture {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    uint256 internal constant SIGNER_KEY = 0x5a1e5;
    uint256 internal constant BUYER_KEY = 0xb0b;
    address internal constant CREATOR = address(0xC0FFEE);
    address internal constant FEES = address(0xFEE);
    address internal constant OWNER = address(0x0A0A);

    ColophonSales internal sales;
    DemoUSD internal usd;
    address internal signer;
    address internal buyer;

    function setUpSales() internal {
        signer = vm.addr(SIGNER_KEY);
        buyer = vm.addr(BUYER_KEY);
        sales = new ColophonSales(OWNER, signer, FEES);
        usd = new DemoUSD(OWNER);
        vm.startPrank(OWNER);
        sales.setTokenAllowed(address(usd), true);
        usd.mint(buyer, 1_000_000e6);
        vm.stopPrank();
        vm.deal(buyer, 100 ether);
        vm.warp(1_800_000_000);
    }

    function quote(bytes32 orderId, address token, uint256 amount, uint256 fee)
        internal
        view
        returns (ColophonSales.Quote memory)
    {
        return ColophonSales.Quote({
            orderId: orderId,
            listingId: 7,
            kind: 0,
            buyer: buyer,
            payee: CREATOR,
            token: token,
            amount: amount,
            platformFee: fee,
            royaltyReceiver: address(0),
            royalty: 0,
            deadline: uint64(block.timestamp + 15 minutes)
        });
    }

    function signQuote(ColophonSales.Quote memory q, uint256 key) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, sales.quoteDigest(q));
        return abi.encodePacked(r, s, v);
    }

    function payEth(ColophonSales.Quote memory q) internal {
        bytes memory sig = signQuote(q, SIGNER_KEY);
        vm.prank(q.buyer);
        sales.pay{value: q.amount}(q, sig);
    }
}

contract ColophonSalesTest is SalesFixture {
    function setUp() public {
        setUpSales();
    }

    // ---- primary sales ----

    function test_payInEthCreditsCreatorAndPlatformAndEmitsOnce() public {
        ColophonSales.Quote memory q = quote("order-1", address(0), 0.05 ether, 0.005 ether);
        vm.expectEmit(true, true, true, true);
        emit ColophonSales.Paid(
            "order-1", 7, buyer, 0, address(0), 0.05 ether, CREATOR, 0.045 ether, address(0), 0, 0.005 ether
        );
        payEth(q);
        require(sales.paid("order-1"), "marked paid");
        require(sales.owed(CREATOR, address(0)) == 0.045 ether, "creator share");
        require(sales.owed(FEES, address(0)) == 0.005 ether, "platform fee");
        require(sales.totalOwed(address(0)) == address(sales).balance, "balance owed");
        require(buyer.balance == 100 ether - 0.05 ether, "buyer charged exactly");
    }

    function test_payInStablecoinAfterApprove() public {
        ColophonSales.Quote memory q = quote("order-usd", address(usd), 25e6, 2_500_000);
        bytes memory sig = signQuote(q, SIGNER_KEY);
        vm.startPrank(buyer);
        usd.approve(address(sales), 25e6);
        sales.pay(q, sig);
        vm.stopPrank();
        require(sales.owed(CREATOR, address(usd)) == 22_500_000, "creator share");
        require(sales.owed(FEES, address(usd)) == 2_500_000, "fee");
        require(usd.balanceOf(address(sales)) == sales.totalOwed(address(usd)), "balance owed");
    }

    function test_payInStablecoinWithPermit() public {
        ColophonSales.Quote memory q = quote("order-permit", address(usd), 25e6, 0);
        bytes memory sig = signQuote(q, SIGNER_KEY);
        (uint8 v, bytes32 r, bytes32 s) = signPermit(25e6, block.timestamp + 1 hours);
        vm.prank(buyer);
        sales.payWithPermit(q, sig, block.timestamp + 1 hours, v, r, s);
        require(sales.owed(CREATOR, address(usd)) == 25e6, "creator share");
        require(usd.allowance(buyer, address(sales)) == 0, "permit spent");
    }

    function test_permitFrontRunStillPays() public {
        ColophonSales.Quote memory q = quote("order-front", address(usd), 25e6, 0);
        bytes memory sig = signQuote(q, SIGNER_KEY);
        (uint8 v, bytes32 r, bytes32 s) = signPermit(25e6, block.timestamp + 1 hours);
        // Someone submits the buyer's permit first: the nonce is spent, the allowance is there.
        usd.permit(buyer, address(sales), 25e6, block.timestamp + 1 hours, v, r, s);
        vm.prank(buyer);
        sales.payWithPermit(q, sig, block.timestamp + 1 hours, v, r, s);
        require(sales.owed(CREATOR, address(usd)) == 25e6, "paid");
    }

    function signPermit(uint256 value, uint256 deadline) internal view returns (uint8, bytes32, bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256(
                    "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
                ),
                buyer,
                address(sales),
                value,
                usd.nonces(buyer),
                deadline
            )
        );
        return vm.sign(BUYER_KEY, keccak256(abi.encodePacked("\x19\x01", usd.DOMAIN_SEPARATOR(), structHash)));
    }

    // ---- refusals ----

    function test_refusesAnOrderPaidTwice() public {
        ColophonSales.Quote memory q = quote("order-twice", address(0), 1 ether, 0);
        payEth(q);
        bytes memory sig = signQuote(q, SIGNER_KEY);
        vm.expectRevert(
            abi.encodeWithSelector(ColophonSales.OrderAlreadyPaid.selector, bytes32("order-twice"))
        );
        vm.prank(buyer);
        sales.pay{value: 1 ether}(q, sig);
        require(sales.totalOwed(address(0)) == 1 ether, "charged once");
    }

    function test_refusesAnExpiredQuote() public {
        ColophonSales.Quote memory q = quote("order-late", address(0), 1 ether, 0);
        bytes memory sig = signQuote(q, SIGNER_KEY);
        vm.warp(q.deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ColophonSales.QuoteExpired.selector, q.deadline));
        vm.prank(buyer);
        sales.pay{value: 1 ether}(q, sig);
    }

    function test_paysUpToAndIncludingTheDeadline() public {
        ColophonSales.Quote memory q = quote("order-edge", address(0), 1 ether, 0);
        vm.warp(q.deadline);
        payEth(q);
        require(sales.paid("order-edge"), "paid at the deadline");
    }

    function test_refusesAQuoteNotSignedByTheSalesSigner() public {
        ColophonSales.Quote memory q = quote("order-forged", address(0), 1 ether, 0);
        bytes memory sig = signQuote(q, BUYER_KEY);
        vm.expectRevert(ColophonSales.BadSignature.selector);
        vm.prank(buyer);
        sales.pay{value: 1 ether}(q, sig);
    }

    function test_refusesATamperedQuote() public {
        ColophonSales.Quote memory q = quote("order-tamper", address(0), 1 ether, 0.1 ether);
        bytes memory sig = signQuote(q, SIGNER_KEY);
        q.amount = 0.5 ether; // the buyer tries to pay less
        vm.expectRevert(ColophonSales.BadSignature.selector);
        vm.prank(buyer);
        sales.pay{value: 0.5 ether}(q, sig);
        q.amount = 1 ether;
        q.payee = buyer; // or to pay themselves
        vm.expectRevert(ColophonSales.BadSignature.selector);
        vm.prank(buyer);
        sales.pay{value: 1 ether}(q, sig);
    }

    function test_refusesAMalformedSignature() public {
        ColophonSales.Quote memory q = quote("order-short", address(0), 1 ether, 0);
        vm.expectRevert(ColophonSales.BadSignature.selector);
        vm.prank(buyer);
        sales.pay{value: 1 ether}(q, hex"1234");
    }

    function test_refusesTheWrongAmountOfEth() public {
        ColophonSales.Quote memory q = quote("order-short-eth", address(0), 1 ether, 0);
        bytes memory sig = signQuote(q, SIGNER_KEY);
        vm.expectRevert(abi.encodeWithSelector(ColophonSales.WrongAmount.selector, 0.99 ether, 1 ether));
        vm.prank(buyer);
        sales.pay{value: 0.99 ether}(q, sig);
        vm.expectRevert(abi.encodeWithSelector(ColophonSales.WrongAmount.selector, 1.01 ether, 1 ether));
        vm.prank(buyer);
        sales.pay{value: 1.01 ether}(q, sig);
    }

    function test_refusesEthSentWithATokenPayment() public {
        ColophonSales.Quote memory q = quote("order-mixed", address(usd), 5e6, 0);
        bytes memory sig = signQuote(q, SIGNER_KEY);
        vm.startPrank(buyer);
        usd.approve(address(sales), 5e6);
        vm.expectRevert(abi.encodeWithSelector(ColophonSales.WrongAmount.selector, 1, 0));
        sales.pay{value: 1}(q, sig);
        vm.stopPrank();
    }

    function test_refusesSomeoneElsePayingTheQuote() public {
        ColophonSales.Quote memory q = quote("order-other", address(0), 1 ether, 0);
        bytes memory sig = signQuote(q, SIGNER_KEY);
        address other = address(0xD00D);
        vm.deal(other, 2 ether);
        vm.expectRevert(abi.encodeWithSelector(ColophonSales.NotTheBuyer.selector, other, buyer));
        vm.prank(other);
        sales.pay{value: 1 ether}(q, sig);
    }

    function test_refusesATokenNotAllowed() public {
        DemoUSD other = new DemoUSD(address(this));
        other.mint(buyer, 10e6);
        ColophonSales.Quote memory q = quote("order-token", address(other), 10e6, 0);
        bytes memory sig = signQuote(q, SIGNER_KEY);
        vm.startPrank(buyer);
        other.approve(address(sales), 10e6);
        vm.expectRevert(abi.encodeWithSelector(ColophonSales.TokenNotAllowed.selector, address(other)));
        sales.pay(q, sig);
        vm.stopPrank();
    }

    function test_refusesWithoutAllowanceAndStoresNothing() public {
        ColophonSales.Quote memory q = quote("order-noallow", address(usd), 10e6, 0);
        bytes memory sig = signQuote(q, SIGNER_KEY);
        vm.expectRevert();
        vm.prank(buyer);
        sales.pay(q, sig);
        require(!sales.paid("order-noallow"), "nothing stored");
        require(sales.owed(CREATOR, address(usd)) == 0, "nothing credited");
    }

    function test_refusesAFeeAboveTheCap() public {
        ColophonSales.Quote memory q = quote("order-fee", address(0), 1 ether, 0.21 ether);
        bytes memory sig = signQuote(q, SIGNER_KEY);
        vm.expectRevert(abi.encodeWithSelector(ColophonSales.FeeTooHigh.selector, 0.21 ether, 1 ether));
        vm.prank(buyer);
        sales.pay{value: 1 ether}(q, sig);
    }

    function test_refusesARoyaltyOnAPrimarySale() public {
        ColophonSales.Quote memory q = quote("order-prim-roy", address(0), 1 ether, 0);
        q.royaltyReceiver = CREATOR;
        q.royalty = 0.1 ether;
        bytes memory sig = signQuote(q, SIGNER_KEY);
        vm.expectRevert(abi.encodeWithSelector(ColophonSales.RoyaltyMismatch.selector, CREATOR, 0.1 ether));
        vm.prank(buyer);
        sales.pay{value: 1 ether}(q, sig);
    }

    function test_refusesAnUnknownKind() public {
        ColophonSales.Quote memory q = quote("order-kind", address(0), 1 ether, 0);
        q.kind = 2;
        bytes memory sig = signQuote(q, SIGNER_KEY);
        vm.expectRevert(abi.encodeWithSelector(ColophonSales.UnknownKind.selector, uint8(2)));
        vm.prank(buyer);
        sales.pay{value: 1 ether}(q, sig);
    }

    function test_refusesAZeroPayee() public {
        ColophonSales.Quote memory q = quote("order-zero", address(0), 1 ether, 0);
        q.payee = address(0);
        bytes memory sig = signQuote(q, SIGNER_KEY);
        vm.expectRevert(ColophonSales.ZeroAddress.selector);
        vm.prank(buyer);
        sales.pay{value: 1 ether}(q, sig);
    }

    function test_aRotatedSignerInvalidatesOldQuotes() public {
        ColophonSales.Quote memory q = quote("order-rotated", address(0), 1 ether, 0);
        bytes memory sig = signQuote(q, SIGNER_KEY);
        vm.prank(OWNER);
        sales.setSalesSigner(address(0x1234));
        vm.expectRevert(ColophonSales.BadSignature.selector);
        vm.prank(buyer);
        sales.pay{value: 1 ether}(q, sig);
    }

    function test_onlyTheOwnerConfigures() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, buyer));
        vm.prank(buyer);
        sales.setSalesSigner(buyer);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, buyer));
        vm.prank(buyer);
        sales.setTokenAllowed(address(usd), false);
        vm.expectRevert(ColophonSales.NotSigner.selector);
        vm.prank(buyer);
        sales.setRoyalty(7, buyer, 1000);
    }

    function test_refusesEthSentDirectly() public {
        vm.prank(buyer);
        (bool ok,) = address(sales).call{value: 1 ether}("");
        require(!ok, "no receive: every wei held is owed");
    }

    function test_refusesAPermitPaymentInEth() public {
        ColophonSales.Quote memory q = quote("order-permit-eth", address(0), 1 ether, 0);
        bytes memory sig = signQuote(q, SIGNER_KEY);
        vm.expectRevert(abi.encodeWithSelector(ColophonSales.TokenNotAllowed.selector, address(0)));
        vm.prank(buyer);
        sales.payWithPermit(q, sig, block.timestamp, 27, bytes32(0), bytes32(0));
    }

    function test_refusesATokenThatDeliversLessThanQuoted() public {
        TaxedToken taxed = new TaxedToken();
        taxed.mint(buyer, 100e6);
        vm.prank(OWNER);
        sales.setTokenAllowed(address(taxed), true);
        ColophonSales.Quote memory q = quote("order-taxed", address(taxed), 10e6, 0);
        bytes memory sig = signQuote(q, SIGNER_KEY);
        vm.startPrank(buyer);
        taxed.approve(address(sales), 10e6);
        vm.expectRevert(abi.encodeWithSelector(ColophonSales.TransferShortfall.selector, 9_900_000, 10e6));
        sales.pay(q, sig);
        vm.stopPrank();
        require(!sales.paid("order-taxed"), "nothing stored");
    }

    function test_configurationRefusesZeroAddresses() public {
        vm.startPrank(OWNER);
        vm.expectRevert(ColophonSales.ZeroAddress.selector);
        sales.setSalesSigner(address(0));
        vm.expectRevert(ColophonSales.ZeroAddress.selector);
        sales.setFeeRecipient(address(0));
        vm.expectRevert(ColophonSales.ZeroAddress.selector);
        sales.setTokenAllowed(address(0), true);
        vm.expectRevert(ColophonSales.ZeroAddress.selector);
        sales.setRoyalty(7, address(0), 500);
        vm.stopPrank();
        vm.expectRevert(ColophonSales.ZeroAddress.selector);
        new ColophonSales(OWNER, address(0), FEES);
        vm.expectRevert(ColophonSales.ZeroAddress.selector);
        new ColophonSales(OWNER, signer, address(0));
    }

    // ---- withdrawals ----

    function test_creatorWithdrawsEthOnce() public {
        payEth(quote("order-w1", address(0), 1 ether, 0.1 ether));
        payEth(quote("order-w2", address(0), 2 ether, 0.2 ether));
        vm.expectEmit(true, true, true, true);
        emit ColophonSales.Withdrawn(CREATOR, address(0), 2.7 ether);
        vm.prank(CREATOR);
        sales.withdraw(address(0));
        require(CREATOR.balance == 2.7 ether, "creator paid");
        require(address(sales).balance == 0.3 ether, "fees remain");
        vm.expectRevert(ColophonSales.NothingOwed.selector);
        vm.prank(CREATOR);
        sales.withdraw(address(0));
    }

    function test_creatorWithdrawsStablecoin() public {
        ColophonSales.Quote memory q = quote("order-wusd", address(usd), 40e6, 4e6);
        bytes memory sig = signQuote(q, SIGNER_KEY);
        vm.startPrank(buyer);
        usd.approve(address(sales), 40e6);
        sales.pay(q, sig);
        vm.stopPrank();
        vm.prank(CREATOR);
        sales.withdraw(address(usd));
        require(usd.balanceOf(CREATOR) == 36e6, "creator paid");
        vm.prank(FEES);
        sales.withdraw(address(usd));
        require(usd.balanceOf(FEES) == 4e6, "platform paid");
        require(usd.balanceOf(address(sales)) == 0 && sales.totalOwed(address(usd)) == 0, "empty");
    }

    function test_aReentrantWithdrawGetsNothingMore() public {
        Reenterer attacker = new Reenterer(sales);
        ColophonSales.Quote memory q = quote("order-re", address(0), 1 ether, 0);
        q.payee = address(attacker);
        payEth(q);
        payEth(quote("order-other-creator", address(0), 1 ether, 0));
        attacker.attack();
        require(address(attacker).balance == 1 ether, "paid its own balance only");
        require(address(sales).balance == 1 ether, "the other creator's wei stays");
        require(sales.owed(CREATOR, address(0)) == 1 ether, "still owed");
    }

    function test_aPayeeThatRefusesEthCannotBlockSales() public {
        RefusesEth stubborn = new RefusesEth();
        ColophonSales.Quote memory q = quote("order-stubborn", address(0), 1 ether, 0);
        q.payee = address(stubborn);
        payEth(q); // the sale completes: payouts are pulled, never pushed
        vm.expectRevert(ColophonSales.EthTransferFailed.selector);
        stubborn.withdrawFrom(sales);
        require(sales.owed(address(stubborn), address(0)) == 1 ether, "still owed after a failed withdraw");
    }

    // ---- resale with royalty ----

    function test_resalePaysSellerCreatorRoyaltyAndFee() public {
        vm.prank(signer);
        sales.setRoyalty(7, CREATOR, 750); // 7.5 %
        (address receiver, uint256 royalty) = sales.royaltyInfo(7, 2 ether);
        require(receiver == CREATOR && royalty == 0.15 ether, "EIP-2981 view");

        address seller = address(0x5E11);
        ColophonSales.Quote memory q = quote("resale-1", address(0), 2 ether, 0.1 ether);
        q.kind = 1;
        q.payee = seller;
        q.royaltyReceiver = CREATOR;
        q.royalty = 0.15 ether;
        payEth(q);
        require(sales.owed(seller, address(0)) == 1.75 ether, "seller share");
        require(sales.owed(CREATOR, address(0)) == 0.15 ether, "royalty");
        require(sales.owed(FEES, address(0)) == 0.1 ether, "fee");
    }

    function test_resaleRefusesARoyaltyOtherThanTheListings() public {
        vm.prank(signer);
        sales.setRoyalty(7, CREATOR, 750);
        ColophonSales.Quote memory q = quote("resale-low", address(0), 2 ether, 0);
        q.kind = 1;
        q.payee = address(0x5E11);
        q.royaltyReceiver = CREATOR;
        q.royalty = 0.01 ether; // a signer mistake (or a compromised one) cannot shortchange the creator
        bytes memory sig = signQuote(q, SIGNER_KEY);
        vm.expectRevert(abi.encodeWithSelector(ColophonSales.RoyaltyMismatch.selector, CREATOR, 0.01 ether));
        vm.prank(buyer);
        sales.pay{value: 2 ether}(q, sig);
    }

    function test_royaltyIsCapped() public {
        vm.expectRevert(abi.encodeWithSelector(ColophonSales.RoyaltyTooHigh.selector, uint16(1001)));
        vm.prank(signer);
        sales.setRoyalty(7, CREATOR, 1001);
    }

    // ---- fuzzed ----

    function testFuzz_sharesAlwaysSumToTheAmount(uint96 amount, uint16 feeBps, uint16 royaltyBps, bool resale)
        public
    {
        vm.assume(amount > 0 && amount <= 50 ether);
        feeBps = feeBps % 2001;
        royaltyBps = royaltyBps % 1001;
        vm.prank(signer);
        sales.setRoyalty(7, CREATOR, royaltyBps);
        uint256 fee = uint256(amount) * feeBps / 10_000;
        ColophonSales.Quote memory q =
            quote(keccak256(abi.encode(amount, feeBps, royaltyBps)), address(0), amount, fee);
        address seller = address(0x5E11);
        if (resale) {
            q.kind = 1;
            q.payee = seller;
            q.royaltyReceiver = CREATOR;
            q.royalty = uint256(amount) * royaltyBps / 10_000;
        }
        vm.deal(buyer, amount);
        payEth(q);
        uint256 sum = sales.owed(q.payee, address(0)) + sales.owed(FEES, address(0));
        if (resale) sum += sales.owed(CREATOR, address(0));
        require(sum == amount, "every wei credited");
        require(sales.totalOwed(address(0)) == address(sales).balance, "balance owed");
    }

    function testFuzz_anyOtherAmountReverts(uint96 quoted, uint96 sent) public {
        vm.assume(quoted != sent && quoted > 0);
        ColophonSales.Quote memory q = quote("fuzz-amount", address(0), quoted, 0);
        bytes memory sig = signQuote(q, SIGNER_KEY);
        vm.deal(buyer, sent);
        vm.expectRevert(
            abi.encodeWithSelector(ColophonSales.WrongAmount.selector, uint256(sent), uint256(quoted))
        );
        vm.prank(buyer);
        sales.pay{value: sent}(q, sig);
    }
}

/// An ERC-20 that keeps 1 % of every transfer (fee-on-transfer): the contract must refuse it.
contract TaxedToken is ERC20 {
    constructor() ERC20("Taxed", "TAX") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0)) {
            uint256 tax = value / 100;
            super._update(from, address(0xdead), tax);
            value -= tax;
        }
        super._update(from, to, value);
    }
}

contract Reenterer {
    ColophonSales internal immutable sales;
    uint256 internal depth;

    constructor(ColophonSales s) {
        sales = s;
    }

    function attack() external {
        sales.withdraw(address(0));
    }

    receive() external payable {
        if (depth++ < 3) {
            // Both a second withdraw and a withdraw of what remains must fail.
            try sales.withdraw(address(0)) {
                revert("reentered");
            } catch {}
        }
    }
}

contract RefusesEth {
    function withdrawFrom(ColophonSales sales) external {
        sales.withdraw(address(0));
    }
}

/// Random sales, resales and withdrawals; after each, the contract holds exactly what it owes.
contract SalesHandler is SalesFixture {
    uint256 public orders;
    address[3] internal payees = [CREATOR, address(0x5E11), address(0x5E12)];

    constructor() {
        setUpSales();
        vm.prank(signer);
        sales.setRoyalty(7, CREATOR, 500);
    }

    function buy(uint96 amount, uint16 feeBps, bool inUsd, uint8 who, bool resale) external {
        amount = uint96(bound(amount, 1, 10 ether));
        uint256 fee = uint256(amount) * (feeBps % 2001) / 10_000;
        address token = inUsd ? address(usd) : address(0);
        ColophonSales.Quote memory q = quote(bytes32(++orders), token, amount, fee);
        q.payee = payees[who % 3];
        if (resale) {
            q.kind = 1;
            q.royaltyReceiver = CREATOR;
            q.royalty = uint256(amount) * 500 / 10_000;
        }
        bytes memory sig = signQuote(q, SIGNER_KEY);
        if (inUsd) {
            vm.prank(OWNER);
            usd.mint(buyer, amount);
        }
        vm.startPrank(buyer);
        if (inUsd) {
            usd.approve(address(sales), amount);
            sales.pay(q, sig);
        } else {
            vm.deal(buyer, amount);
            sales.pay{value: amount}(q, sig);
        }
        vm.stopPrank();
    }

    function withdraw(uint8 who, bool inUsd) external {
        address account = who % 4 == 3 ? FEES : payees[who % 3];
        address token = inUsd ? address(usd) : address(0);
        if (sales.owed(account, token) == 0) return;
        vm.prank(account);
        sales.withdraw(token);
    }

    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + x % (hi - lo + 1);
    }

    function salesContract() external view returns (ColophonSales) {
        return sales;
    }

    function usdContract() external view returns (DemoUSD) {
        return usd;
    }
}

contract ColophonSalesInvariantTest {
    SalesHandler internal handler;

    function setUp() public {
        handler = new SalesHandler();
    }

    /// forge's invariant fuzzer calls only the handler.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_theContractHoldsExactlyWhatItOwes() public view {
        ColophonSales sales = handler.salesContract();
        DemoUSD usd = handler.usdContract();
        require(address(sales).balance == sales.totalOwed(address(0)), "eth held == owed");
        require(usd.balanceOf(address(sales)) == sales.totalOwed(address(usd)), "usd held == owed");
    }
}
