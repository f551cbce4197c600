// module ArbiterNumerics
