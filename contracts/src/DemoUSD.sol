// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title A dollar stablecoin for the local chain: 6 decimals like USDC, with EIP-2612 permit.
/// @notice Test money only: its owner mints it to the demo wallets. Deployed by `make run` and the tests.
contract DemoUSD is ERC20, ERC20Permit, Ownable {
    constructor(address initialOwner)
        ERC20("Demo USD", "dUSD")
        ERC20Permit("Demo USD")
        Ownable(initialOwner)
    {}

    function decimals() public pure override returns (uint8) {
        return 6;
    }

    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
