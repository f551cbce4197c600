// module ArbiterConfig
