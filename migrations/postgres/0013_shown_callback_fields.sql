-- A callback's kind now says itself what the API may show of it: the
-- stored callback keeps those fields under "shown". Step Functions
-- callbacks stored before show their account, as they did.
UPDATE pauses SET callback = (callback::jsonb
        || jsonb_build_object('shown', jsonb_build_object('aws', callback::jsonb -> 'aws')))::text
WHERE callback IS NOT NULL
  AND callback::jsonb ->> 'kind' = 'step_functions'
  AND NOT (callback::jsonb ? 'shown')
  AND callback::jsonb ? 'aws';
