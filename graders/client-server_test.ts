import { defineLabTests } from "../harness/testing.ts";

defineLabTests("client-server");
