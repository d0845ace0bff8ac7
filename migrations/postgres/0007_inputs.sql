-- Inputs: the fields a pause declares (JSON), and the values each decision
-- gave (JSON).
ALTER TABLE pauses ADD COLUMN input_fields TEXT;
ALTER TABLE decisions ADD COLUMN inputs TEXT;
