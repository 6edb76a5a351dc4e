/**
 * The buttons under a card live in the bottom floor (src/core/card-buttons.ts), where
 * markCards numbers a digest's card rows; the command layer and tests import them from here.
 */
export * from "../core/card-buttons.ts";
