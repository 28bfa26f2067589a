import { defineLabTests } from "../harness/testing.ts";

defineLabTests("multiplexed-client-server");
